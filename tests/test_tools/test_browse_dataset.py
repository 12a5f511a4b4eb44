"""The command line of ``tools/misc/browse_dataset.py`` on the tiny fake
CamVid (the drawing itself is tested in
``tests/test_visualization/test_weak_seg_local_visualizer.py``)."""
import os
import random

import numpy as np
import pytest
from PIL import Image

WEAK_CONFIG = 'configs/_base_/datasets/camvid_weak.py'
TRAIN_IDS = [f'0016E5_0000{i}' for i in range(4)]


@pytest.fixture(scope='module')
def tool(load_tool):
    return load_tool('tools/misc/browse_dataset.py')


def _pngs(folder):
    return sorted(os.listdir(folder))


def test_dense_masks_of_the_train_set(tool, tiny_camvid_cfg, tmp_path,
                                      camvid_tiny_root):
    cfg_file = tmp_path / 'cfg.py'
    tiny_camvid_cfg().dump(str(cfg_file))
    out_dir = tmp_path / 'vis'
    tool.main([str(cfg_file), '--output-dir', str(out_dir), '--max-num', '2',
               '--alpha', '0.5'])

    assert _pngs(out_dir) == [f'0000{i}_{TRAIN_IDS[i]}.png' for i in (0, 1)]
    for i in (0, 1):
        raw = np.asarray(Image.open(
            camvid_tiny_root / 'train' / f'{TRAIN_IDS[i]}.png').convert('RGB'))
        drawn = np.asarray(Image.open(out_dir / _pngs(out_dir)[i]))
        assert drawn.shape == raw.shape
        assert not np.array_equal(drawn, raw)  # the overlay changes it


def test_val_phase_and_default_output_dir(tool, tiny_camvid_cfg, tmp_path,
                                          monkeypatch):
    cfg_file = tmp_path / 'tiny.py'
    tiny_camvid_cfg().dump(str(cfg_file))
    monkeypatch.chdir(tmp_path)
    tool.main([str(cfg_file), '--phase', 'val', '--max-num', '5'])
    out_dir = tmp_path / 'work_dirs' / 'browse_dataset' / 'tiny'
    assert _pngs(out_dir) == ['00000_0016E5_00000.png',
                              '00001_0016E5_00001.png']  # the 2 val images


@pytest.mark.parametrize('supervision,weak_label', [
    ('scribbles', 'scribbles_r100'),
    ('points', 'points_n1'),
    ('partial', 'partial_f010'),
    ('boxes', None),
    ('tags', None),
    ('unlabeled', None),
])
def test_each_weak_supervision(tool, camvid_tiny_root, camvid_tiny_weak_root,
                               tmp_path, supervision, weak_label):
    out_dir = tmp_path / supervision
    tool.main([
        WEAK_CONFIG, '--output-dir', str(out_dir), '--thicken', '2',
        '--not-show', '--cfg-options',
        f'train_dataloader.dataset.data_root={camvid_tiny_root}',
        f'train_dataloader.dataset.weak_root={camvid_tiny_weak_root}',
        f'train_dataloader.dataset.supervision={supervision}',
        f'train_dataloader.dataset.weak_label={weak_label}'
    ])
    assert _pngs(out_dir) == [
        f'{i:05d}_{name}.png' for i, name in enumerate(TRAIN_IDS)]
    for name in _pngs(out_dir):
        drawn = Image.open(out_dir / name)
        assert drawn.mode == 'RGB'
        assert max(drawn.size) <= 176  # the pipeline's crop


def test_bad_config_names_the_file(tool, tmp_path):
    missing = str(tmp_path / 'nope.py')
    with pytest.raises(SystemExit, match='nope.py'):
        tool.main([missing, '--output-dir', str(tmp_path / 'out')])
    assert not (tmp_path / 'out').exists()


@pytest.mark.parametrize('option', [['--max-num', '0'], ['--thicken', '-1']])
def test_bad_numbers_are_usage_errors(tool, option):
    with pytest.raises(SystemExit) as error:
        tool.parse_args(['cfg.py', *option])
    assert error.value.code == 2


def test_semi_config_shows_each_source_and_every_branch(tool, camvid_tiny_root,
                                                        tmp_path):
    """A UniMatch recipe: labelled source = one 'sup' view; unlabelled
    source = the weak view and both strong views, side by side."""
    pytest.importorskip('mmdet')
    pytest.importorskip('mmpretrain')
    from mmengine.config import Config

    from mmlabeleff.datasets.semi_splits import camvid_splits
    from mmlabeleff.testing.script_loader import REPO_ROOT
    from mmlabeleff.testing.tiny_configs import shrink_semi_recipe
    camvid_splits(str(camvid_tiny_root), str(tmp_path / 'splits'))
    cfg = shrink_semi_recipe(
        Config.fromfile(str(
            REPO_ROOT / 'configs/semi_supervised/unimatch/'
            'unimatch_efflite0_1xb8-2k_camvid-semi-1of8-176x176.py')),
        camvid_tiny_root, tmp_path / 'splits', tmp_path / 'work')
    cfg_file = tmp_path / 'semi.py'
    cfg.dump(str(cfg_file))
    out_dir = tmp_path / 'vis'
    random.seed(0)  # the pipelines' random crops and photometric changes
    np.random.seed(0)
    tool.main([str(cfg_file), '--output-dir', str(out_dir), '--max-num', '1'])

    names = _pngs(out_dir)
    assert [n[:10] for n in names] == ['src0_00000', 'src1_00000']
    crop = 32  # shrink_semi_recipe's crop (a smaller image stays smaller)
    labelled = np.asarray(Image.open(out_dir / names[0]))
    unlabelled = np.asarray(Image.open(out_dir / names[1]))
    assert labelled.shape[0] <= crop and labelled.shape[1] <= crop  # 'sup' only
    height, width = unlabelled.shape[:2]
    assert height <= crop and width % 3 == 0 and width // 3 <= crop
    # weak + 2 strong views of one crop
    weak, strong1, strong2 = np.split(unlabelled.astype(int), 3, axis=1)
    # the strong views are photometric changes of the weak one: aligned
    # (same edges) but not equal
    assert not (np.array_equal(weak, strong1) and np.array_equal(weak, strong2))
    edges = [np.abs(np.diff(v.mean(-1)[height // 2:], axis=1)) for v in
             (weak, strong1, strong2)]
    for edge in edges[1:]:
        assert np.corrcoef(edges[0].ravel(), edge.ravel())[0, 1] > 0.3
