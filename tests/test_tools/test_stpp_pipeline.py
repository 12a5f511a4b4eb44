"""The ST++ chain of configs/semi_supervised/stpp/ (supervised run with
several checkpoints, their label dumps, reliable-image selection, two
retrainings) run by the pipeline runner on camvid_tiny, in process."""
from pathlib import Path

import pytest
from mmengine.config import Config

from mmlabeleff.apis.pipeline import plan_pipeline, run_pipeline
from mmlabeleff.datasets.semi_splits import camvid_splits
from mmlabeleff.testing.script_loader import REPO_ROOT, load_script
from mmlabeleff.testing.tiny_configs import shrink_semi_recipe

pytest.importorskip('mmdet')
FOLDER = REPO_ROOT / 'configs/semi_supervised'
SUP = FOLDER / ('supervised/'
                'supervised-mfb_efflite0_1xb8-2k_camvid-semi-1of8-176x176.py')
LABEL = FOLDER / 'stpp/stpp-label_efflite0_1xb8-2k_camvid-semi-1of8-176x176.py'
R1 = FOLDER / 'stpp/stpp-r1_efflite0_1xb8-2k_camvid-semi-1of8-176x176.py'
FINAL = FOLDER / 'stpp/stpp_efflite0_1xb8-2k_camvid-semi-1of8-176x176.py'


def _write(tmp_path, data_root):
    """Tiny versions of the CamVid 1/8 stage configs and a pipeline config
    that builds its stages with stpp_stages, as the shipped ones do."""
    splits = tmp_path / 'camvid_semi'
    camvid_splits(str(data_root), str(splits))
    root = tmp_path / 'stpp'
    sup = shrink_semi_recipe(Config.fromfile(str(SUP)), data_root, splits,
                             tmp_path / 'sup')
    sup.default_hooks.checkpoint.update(interval=1, max_keep_ckpts=-1)
    label = shrink_semi_recipe(Config.fromfile(str(LABEL)), data_root, splits,
                               tmp_path / 'label')
    label.test_dataloader.dataset.update(data_root=str(data_root))
    cfgs = dict(sup=sup, label=label)
    for name, path, ratio in (('r1', R1, [2, 2]), ('final', FINAL,
                                                   [2, 1, 1])):
        cfg = shrink_semi_recipe(Config.fromfile(str(path)), data_root,
                                 splits, root / name)
        cfg.train_dataloader.sampler.source_ratio = ratio
        cfgs[name] = cfg
    paths = {}
    for name, cfg in cfgs.items():
        paths[name] = str(tmp_path / f'{name}.py')
        cfg.dump(paths[name])
    pipeline = tmp_path / 'pipeline.py'
    pipeline.write_text(
        'from mmlabeleff.apis.stpp import stpp_stages\n'
        f"stages = stpp_stages({paths['sup']!r}, {paths['label']!r}, "
        f"{paths['r1']!r}, {paths['final']!r}, root={str(root)!r}, "
        f"checkpoints=(1, 2), sup_work_dir={str(tmp_path / 'sup')!r}, "
        f"labeled_split={str(splits / '1_8/labeled.txt')!r}, "
        f"unlabeled_split={str(splits / '1_8/unlabeled.txt')!r}, "
        'num_classes=11)\n')
    return pipeline, root


def _in_process(cmd):
    """Run a step's tool in this process (faster than a child)."""
    script = str(Path(cmd[1]).relative_to('tools').as_posix())
    status = load_script('tools/' + script).main(list(cmd[2:]))
    return status or 0


def test_stpp_chain(camvid_tiny_root, tmp_path, monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    pipeline, root = _write(tmp_path, camvid_tiny_root)
    kinds = [(s.stage, s.kind) for s in plan_pipeline(str(pipeline))]
    assert kinds[3] == ('select', 'select')
    run_pipeline(str(pipeline), runner=_in_process, log=lambda _: None)
    for it in (1, 2):
        assert len(list((root / f'label_{it}' / 'pred').glob('*.png'))) == 3
    reliable = (root / 'select' / 'reliable.txt').read_text().splitlines()
    unreliable = (root / 'select' / 'unreliable.txt').read_text().splitlines()
    assert (len(reliable), len(unreliable)) == (1, 2)
    assert len(list((root / 'label_r1' / 'pred').glob('*.png'))) == 2
    assert (root / 'final' / 'iter_2.pth').is_file()
    # the retrainings read the pseudo labels of the right dumps
    r1_cfg = Config.fromfile(str(root / 'retrain1' / 'r1.py'))
    final_cfg = Config.fromfile(str(root / 'final' / 'final.py'))
    sources = final_cfg.train_dataloader.dataset.datasets
    assert sources[1].seg_map_root.endswith('label_2/pred')
    assert sources[2].seg_map_root.endswith('label_r1/pred')
    assert sources[2].ann_file == str(root / 'select' / 'unreliable.txt')
    assert r1_cfg.train_dataloader.dataset.datasets[1].ann_file == str(
        root / 'select' / 'reliable.txt')
    # every step done: a second run does nothing
    ran = []
    run_pipeline(str(pipeline), runner=lambda cmd: ran.append(cmd) or 0,
                 log=lambda _: None)
    assert ran == []


def test_select_step_command_and_bad_stages(tmp_path):
    from mmlabeleff.apis.pipeline import load_pipeline, step_command
    bad = tmp_path / 'bad.py'
    bad.write_text("stages = [dict(name='s', steps=('select', ), "
                   "select=dict(dumps=['a'], split='x', out_dir='o', "
                   "num_classes=2))]\n")
    with pytest.raises(ValueError, match='at least two'):
        load_pipeline(str(bad))
    bad.write_text("stages = [dict(name='s', steps=('select', 'train'), "
                   "config='c.py')]\n")
    with pytest.raises(ValueError, match="'select' alone"):
        load_pipeline(str(bad))
    good = tmp_path / 'good.py'
    good.write_text("stages = [dict(name='s', steps=('select', ), "
                    "select=dict(dumps=['a', 'b'], split='x.txt', "
                    "out_dir='o', num_classes=11))]\n")
    (step, ) = plan_pipeline(str(good))
    assert step.output == 'o/reliable.txt'
    cmd = step_command(step, python='py')
    assert cmd[:2] == ['py', 'tools/pseudo_label/select_reliable.py']
    assert cmd[cmd.index('--dumps') + 1:cmd.index('--split')] == ['a', 'b']
    assert cmd[-2:] == ['--ratio', '0.5']

