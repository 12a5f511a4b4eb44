"""Step-cost and LAM-memory benchmark of BLPSeg (logic and tool)."""
import pytest
import torch
from mmengine.config import Config

from mmlabeleff.testing.script_loader import REPO_ROOT, load_script
from mmlabeleff.testing.tiny_configs import shrink_weak_recipe
from mmlabeleff.utils.step_benchmark import (
    _optim_wrapper_cfg,
    benchmark_train_steps,
    dense_lam_bytes,
    format_bound_table,
    format_memory_table,
    format_step_table,
    forward_macs,
    inference_peak_memory,
    lam_training_macs,
    step_ratio_bound,
    synthetic_batch,
    with_max_anchors,
)

RECIPES = REPO_ROOT / 'configs/blpseg'
BLPSEG = RECIPES / 'blpseg_efflite0_1xb8-2k_camvid-scribbles-176x176.py'
PCE = RECIPES / 'blpseg-pce_efflite0_1xb8-2k_camvid-scribbles-176x176.py'


def _tiny(path, root, weak_root, work_dir):
    return shrink_weak_recipe(Config.fromfile(str(path)), root, weak_root, work_dir)


def test_step_rows_time_each_config_against_the_first(camvid_tiny_root,
                                                      camvid_tiny_weak_root,
                                                      tmp_path):
    cfgs = {name: _tiny(path, camvid_tiny_root, camvid_tiny_weak_root, tmp_path)
            for name, path in (('pce', PCE), ('blpseg', BLPSEG))}
    rows = benchmark_train_steps(cfgs, repeats=2, warmup=0)
    assert [row['name'] for row in rows] == ['pce', 'blpseg']
    assert rows[0]['ratio'] == 1.0
    for row in rows:
        assert 0 < row['min_s'] <= row['median_s']
    assert rows[1]['ratio'] == pytest.approx(
        rows[1]['median_s'] / rows[0]['median_s'])
    table = format_step_table(rows)
    assert '| blpseg |' in table and '1.00x' in table


def test_synthetic_batch_is_seeded_and_has_scribbles_of_the_classes():
    batch = synthetic_batch(num_classes=5, size=(48, 40), batch_size=3, seed=1)
    assert len(batch['inputs']) == len(batch['data_samples']) == 3
    for image, sample in zip(batch['inputs'], batch['data_samples']):
        assert image.shape == (3, 48, 40) and image.dtype == torch.uint8
        labels = sample.gt_sparse_seg.data
        assert labels.shape == (1, 48, 40)
        values = set(torch.unique(labels).tolist())
        assert 254 in values and values - {254} and values <= set(range(5)) | {254}
        # scribbles are thin: most pixels stay unlabeled
        assert (labels == 254).float().mean() > 0.5
    again = synthetic_batch(num_classes=5, size=(48, 40), batch_size=3, seed=1)
    other = synthetic_batch(num_classes=5, size=(48, 40), batch_size=3, seed=2)
    assert torch.equal(batch['inputs'][2], again['inputs'][2])
    assert torch.equal(batch['data_samples'][2].gt_sparse_seg.data,
                       again['data_samples'][2].gt_sparse_seg.data)
    assert not torch.equal(batch['inputs'][2], other['inputs'][2])


@pytest.mark.parametrize('size, batch_size', [((0, 40), 2), ((48, 40), 0)])
def test_synthetic_batch_rejects_empty_sizes(size, batch_size):
    with pytest.raises(ValueError, match='positive size and batch size'):
        synthetic_batch(num_classes=5, size=size, batch_size=batch_size)


def test_synthetic_steps_need_the_crop_size():
    cfg = Config(dict(model=dict(type='X'), train_dataloader=dict(batch_size=2)))
    with pytest.raises(ValueError, match='data_preprocessor.size'):
        benchmark_train_steps({'bare.py': cfg}, repeats=1, synthetic=True)


@pytest.mark.parametrize('device,message', [
    ('meta', 'only cpu and cuda'),
    ('not a device', 'bad device'),
] + ([] if torch.cuda.is_available() else [('cuda', 'no CUDA GPU')]))
def test_steps_reject_a_device_that_is_not_there(device, message):
    cfg = Config(dict(model=dict(type='X'), train_dataloader=dict(batch_size=2)))
    with pytest.raises(ValueError, match=message):
        benchmark_train_steps({'a.py': cfg}, repeats=1, device=device)


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a GPU')
def test_step_rows_on_the_gpu(camvid_tiny_root, camvid_tiny_weak_root,
                              tmp_path):
    cfgs = {name: _tiny(path, camvid_tiny_root, camvid_tiny_weak_root, tmp_path)
            for name, path in (('pce', PCE), ('blpseg', BLPSEG))}
    rows = benchmark_train_steps(cfgs, repeats=2, warmup=1, batch_size=2,
                                 synthetic=True, device='cuda')
    assert [row['name'] for row in rows] == ['pce', 'blpseg']
    assert all(row['median_s'] > 0 for row in rows)


def test_step_rows_on_a_synthetic_batch_of_another_size(camvid_tiny_root,
                                                        camvid_tiny_weak_root,
                                                        tmp_path):
    cfgs = {name: _tiny(path, camvid_tiny_root, camvid_tiny_weak_root, tmp_path)
            for name, path in (('pce', PCE), ('blpseg', BLPSEG))}
    for cfg in cfgs.values():
        cfg.train_dataloader.dataset.data_root = str(tmp_path / 'absent')
    rows = benchmark_train_steps(cfgs, repeats=1, warmup=0, batch_size=2,
                                 synthetic=True)
    assert [row['name'] for row in rows] == ['pce', 'blpseg']
    assert all(row['median_s'] > 0 for row in rows)


def test_amp_recipes_step_in_fp32_on_the_cpu():
    cfg = Config(dict(optim_wrapper=dict(type='AmpOptimWrapper',
                                         optimizer=dict(type='SGD', lr=0.1))))
    assert _optim_wrapper_cfg(cfg)['type'] == 'OptimWrapper'
    assert _optim_wrapper_cfg(cfg, 'cpu')['type'] == 'OptimWrapper'
    assert _optim_wrapper_cfg(cfg, 'cuda')['type'] == (
        'AmpOptimWrapper' if torch.cuda.is_available() else 'OptimWrapper')
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'  # not modified
    plain = Config(dict(optim_wrapper=dict(type='OptimWrapper')))
    assert _optim_wrapper_cfg(plain)['type'] == 'OptimWrapper'


def test_lam_training_macs_count_the_matrix_products():
    # 176 px at stride 4: N = 44^2; one block: 3 N^2 D + 3 N^2 K
    n2 = (44 * 44) ** 2
    assert lam_training_macs((176, 176), 64, 11) == n2 * (3 * 64 + 3 * 11)
    assert lam_training_macs((176, 176), 64, 11, chunk_size=2048) == (
        n2 * (3 * 64 + 3 * 11))
    # more than one block: the similarities are recomputed in backward
    assert lam_training_macs((176, 176), 64, 11, chunk_size=1000) == (
        n2 * (4 * 64 + 3 * 11))
    assert lam_training_macs((64, 32), 8, 2, stride=8) == (8 * 4) ** 2 * (3 * 8 + 6)


def test_forward_macs_count_a_convolution_exactly(camvid_tiny_root,
                                                  camvid_tiny_weak_root, tmp_path):
    cfg = _tiny(PCE, camvid_tiny_root, camvid_tiny_weak_root, tmp_path)
    small, large = forward_macs(cfg, (64, 64)), forward_macs(cfg, (128, 128))
    # a fully convolutional model: 4x the pixels, ~4x the work (the PPM's
    # pooled branches and 1x1 maps do not grow)
    assert 3.5 < large / small <= 4.0
    bound = step_ratio_bound(cfg, _tiny(BLPSEG, camvid_tiny_root,
                                        camvid_tiny_weak_root, tmp_path),
                             (64, 64))
    assert bound['forward_gmac'] == pytest.approx(small / 1e9)
    lam = cfg.model.decode_head
    expected = lam_training_macs((64, 64), lam.channels, lam.num_classes)
    assert bound['lam_train_gmac'] == pytest.approx(expected / 1e9)
    assert bound['bound'] == pytest.approx(1 + expected / (3 * small))
    assert '| 64x64 |' in format_bound_table(bound)


def test_dense_lam_bytes_counts_three_n_by_n_maps():
    # 1024 px at stride 4: N = 256^2, three float32 N x N maps = 48 GiB
    assert dense_lam_bytes((1024, 1024)) == 3 * (256 * 256) ** 2 * 4
    assert dense_lam_bytes((64, 32), stride=4, matrices=1) == (16 * 8) ** 2 * 4


def test_memory_rows_measure_ours_and_skip_an_oversized_dense(
        camvid_tiny_root, camvid_tiny_weak_root, tmp_path):
    cfg = _tiny(BLPSEG, camvid_tiny_root, camvid_tiny_weak_root, tmp_path)
    skipped = inference_peak_memory(cfg, (64, 64), dense=True, max_bytes=1)
    assert skipped['lam'] == 'dense' and 'needs >' in skipped['skipped']
    ours = inference_peak_memory(cfg, (64, 64), dense=False, timeout=300)
    assert 'error' not in ours, ours
    assert ours['peak_mb'] >= 0 and ours['seconds'] > 0
    table = format_memory_table([skipped, ours])
    assert '| 64x64 | ours |' in table and 'not run' in table


@pytest.mark.parametrize('argv, message', [
    (['--repeats', '0'], '--repeats must be >= 1'),
    (['--warmup', '-1'], '--repeats must be >= 1'),
    (['--sizes', '0'], '--sizes must be at least 32'),
    (['--batch-size', '1'], '--batch-size must be >= 2'),
])
def test_tool_rejects_absurd_arguments(argv, message, capsys):
    tool = load_script('tools/analysis_tools/benchmark_blpseg.py')
    with pytest.raises(SystemExit):
        tool.parse_args(argv)
    assert message in capsys.readouterr().err


@pytest.mark.parametrize('argv,message', [
    (['--configs', 'no/such_config.py', '--skip-memory'], 'no/such_config.py'),
] + ([] if torch.cuda.is_available() else [
    (['--device', 'cuda', '--skip-memory'], 'no CUDA GPU'),
]))
def test_tool_prints_a_clear_error_for_a_bad_input(argv, message, capsys):
    tool = load_script('tools/analysis_tools/benchmark_blpseg.py')
    assert tool.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith('error:') and message in err


def test_with_max_anchors_adds_a_variant_per_spml_config():
    spml = 'configs/spml/spml_efflite0_1xb8-2k_msrc21-tags-176x176.py'
    base = 'configs/spml/spml-pce_efflite0_1xb8-2k_msrc21-tags-176x176.py'
    cfgs = {'base': Config.fromfile(str(REPO_ROOT / base)),
            'spml': Config.fromfile(str(REPO_ROOT / spml))}
    out = with_max_anchors(cfgs, [4096, 1024])
    assert list(out) == ['base', 'spml', 'spml max_anchors=4096',
                         'spml max_anchors=1024']
    assert out['spml max_anchors=1024'].model.decode_head.max_anchors == 1024
    assert 'max_anchors' not in cfgs['spml'].model.decode_head  # a copy
    assert list(with_max_anchors(cfgs, [])) == ['base', 'spml']
    with pytest.raises(ValueError, match='>= 1'):
        with_max_anchors(cfgs, [0])
    with pytest.raises(ValueError, match='no config after the baseline'):
        with_max_anchors({'base': cfgs['base'], 'fcn': Config(dict(
            model=dict(decode_head=dict(type='mmseg.FCNHead'))))}, [64])


@pytest.mark.parametrize('argv, message', [
    (['--tags', '--configs', 'a.py', 'b.py'], 'exclude each other'),
    (['--max-anchors', '0'], '--max-anchors must be >= 1'),
    (['--configs', 'a.py'], 'needs a baseline'),
])
def test_spml_tool_rejects_bad_arguments(argv, message, capsys):
    tool = load_script('tools/analysis_tools/benchmark_spml.py')
    with pytest.raises(SystemExit):
        tool.parse_args(argv)
    assert message in capsys.readouterr().err


def test_spml_tool_tags_preset():
    tool = load_script('tools/analysis_tools/benchmark_spml.py')
    args = tool.parse_args(['--tags', '--max-anchors', '4096'])
    assert args.configs == tool.TAG_CONFIGS and args.max_anchors == [4096]
    assert all((REPO_ROOT / path).is_file() for path in tool.TAG_CONFIGS)
    assert tool.parse_args([]).configs == tool.CONFIGS


def _tiny_semi(name, root, splits, work_dir):
    from mmlabeleff.testing.tiny_configs import shrink_semi_recipe
    path = REPO_ROOT / 'configs/semi_supervised' / name
    return shrink_semi_recipe(Config.fromfile(str(path)), root, splits,
                              work_dir)


def test_semi_steps_use_their_own_batches_and_memory_is_measured(
        camvid_tiny_root, tmp_path):
    pytest.importorskip('mmdet')
    from mmlabeleff.datasets.semi_splits import camvid_splits
    from mmlabeleff.utils.step_benchmark import benchmark_train_steps, train_peak_memory
    camvid_splits(str(camvid_tiny_root), str(tmp_path / 'splits'))
    cfgs = {
        'sup': _tiny_semi('supervised/supervised-mfb_efflite0_1xb8-2k_'
                          'camvid-semi-1of8-176x176.py', camvid_tiny_root,
                          tmp_path / 'splits', tmp_path / 'a'),
        'fixmatch': _tiny_semi('fixmatch/fixmatch_efflite0_1xb8-2k_camvid-'
                               'semi-1of8-176x176.py', camvid_tiny_root,
                               tmp_path / 'splits', tmp_path / 'b'),
    }
    # each model steps on its own loader's batch (the supervised batch has
    # no branches for the teacher-student step)
    rows = benchmark_train_steps(cfgs, repeats=1, warmup=0, own_batches=True)
    assert [r['name'] for r in rows] == ['sup', 'fixmatch']
    assert rows[0]['ratio'] == 1.0 and rows[1]['median_s'] > 0
    memory = train_peak_memory(cfgs['fixmatch'], steps=1)
    assert memory.get('peak_mb', -1) > 0, memory
    broken = cfgs['fixmatch'].copy()
    broken.train_dataloader.dataset.datasets[0].ann_file = str(
        tmp_path / 'missing.txt')
    assert 'missing.txt' in train_peak_memory(broken, steps=1)['error']
