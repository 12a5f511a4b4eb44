"""The ``make demo`` recipes train on tiny TextureScenes, and
``tools/misc/demo_summary.py`` compares the two tiny runs."""
import json

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner
from PIL import Image

from mmlabeleff.testing.tiny_demo import (
    DEMO_FULL_CONFIG,
    DEMO_WEAK_CONFIG,
    make_tiny_texture_scenes,
    shrink_demo_recipe,
)


@pytest.fixture(scope='module')
def tool(load_tool):
    return load_tool('tools/misc/demo_summary.py')


@pytest.fixture(scope='module')
def tiny_runs(tmp_path_factory):
    """Both demo recipes, trained 2 iterations on 4 tiny scenes (the weak
    one on their scribbles, self-training from iteration 1)."""
    root = tmp_path_factory.mktemp('demo')
    data_root, weak_root = make_tiny_texture_scenes(root)
    runs = {}
    for key, path in (('full', DEMO_FULL_CONFIG), ('weak', DEMO_WEAK_CONFIG)):
        work = root / key
        cfg = shrink_demo_recipe(Config.fromfile(str(path)), data_root, work,
                                 weak_root)
        cfg_file = work / path.name  # the tool names a run by its recipe
        work.mkdir()
        cfg.dump(str(cfg_file))
        runner = Runner.from_cfg(cfg)
        runner.train()
        scalars = runner.message_hub.log_scalars
        runs[key] = dict(cfg=str(cfg_file), ckpt=str(work / 'iter_2.pth'),
                         loss=scalars['train/loss'].current(),
                         miou=scalars['val/mIoU'].current())
    return runs


def test_demo_recipes_train_on_tiny_data(tiny_runs):
    for run in tiny_runs.values():
        assert run['loss'] == run['loss'] and run['loss'] < 1e4  # finite
        assert torch.load(run['ckpt'], weights_only=False)['meta']['iter'] == 2


def test_demo_recipes_agree_where_they_should():
    full = Config.fromfile(str(DEMO_FULL_CONFIG))
    weak = Config.fromfile(str(DEMO_WEAK_CONFIG))
    assert weak.train_dataloader.dataset.supervision == 'scribbles'
    assert weak.model.type == 'BLPSeg'
    assert weak.custom_hooks == [
        dict(type='SelfTrainingHook', start_iter=weak.train_cfg.max_iters // 4)
    ]
    # same schedule, optimizer, crop, backbone, batch and test data
    for key in ('train_cfg', 'param_scheduler', 'optim_wrapper',
                'test_dataloader', 'randomness'):
        assert weak[key] == full[key], key
    assert weak.model.backbone == full.model.backbone
    assert weak.model.data_preprocessor.size == full.model.data_preprocessor.size
    assert weak.train_dataloader.batch_size == full.train_dataloader.batch_size

    def geometry(pipeline):
        return [{k: v for k, v in step.items() if k != 'resize_type'}
                for step in pipeline
                if 'Resize' in step['type'] or 'Crop' in step['type']
                or 'Flip' in step['type']]

    assert [s['type'].split('.')[-1].replace('Weak', '') for s in geometry(
        weak.train_dataloader.dataset.pipeline)] == [
            s['type'].split('.')[-1] for s in geometry(
                full.train_dataloader.dataset.pipeline)]
    for w, f in zip(geometry(weak.train_dataloader.dataset.pipeline),
                    geometry(full.train_dataloader.dataset.pipeline)):
        assert {k: v for k, v in w.items() if k != 'type'} == {
            k: v for k, v in f.items() if k != 'type'}


def test_summary_of_the_tiny_runs(tool, tiny_runs, tmp_path, capsys):
    full, weak = tiny_runs['full'], tiny_runs['weak']
    out, out_json = tmp_path / 'vis' / 'summary.png', tmp_path / 's.json'
    tool.main(['--full', full['cfg'], full['ckpt'], '--weak', weak['cfg'],
               weak['ckpt'], '--out', str(out), '--json', str(out_json),
               '--num', '2', '--scale', '2'])
    printed = capsys.readouterr().out
    summary = json.loads(out_json.read_text())
    # the mIoU tools/test.py (here: the end-of-training validation) reports
    assert summary['full']['mIoU'] == pytest.approx(full['miou'], abs=1e-6)
    assert summary['weak']['mIoU'] == pytest.approx(weak['miou'], abs=1e-6)
    assert summary['fraction_of_full'] == pytest.approx(
        summary['weak']['mIoU'] / summary['full']['mIoU'])
    assert summary['full']['supervision'] == 'full'
    assert summary['full']['labelled_fraction'] == 1.0
    assert summary['weak']['supervision'] == 'scribbles'
    assert 0 < summary['weak']['labelled_fraction'] < 0.5
    assert summary['picture']['split'] == 'train'
    assert [p[-9:] for p in summary['picture']['images']] == [
        '00000.png', '00003.png']
    # the table: both runs and the fraction of full supervision
    assert '| deeplabv3plus | full (100.00 % of pixels) |' in printed
    assert '| blpseg | scribbles (' in printed
    assert f"{100 * summary['fraction_of_full']:.1f} % |" in printed
    assert f'wrote {out}' in printed
    # two rows of 4 panels of 2 x (32 x 40), under a caption and the titles
    grid = np.asarray(Image.open(out))
    row_h, panel_w = 2 * 32 + 4, 2 * 40
    assert grid.shape[1] == 4 * panel_w
    header = grid.shape[0] - 2 * row_h
    assert 0 < header < 100
    rows = grid[header:]
    first = np.asarray(Image.open(
        summary['picture']['images'][0]).convert('RGB'))
    np.testing.assert_array_equal(rows[:64:2, :80:2], first)
    gt = np.asarray(Image.open(summary['picture']['images'][0].replace(
        'img_dir', 'ann_dir')))
    palette = np.array(Image.open(out).getpixel((0, 0)))  # white header
    assert (palette == 255).all()
    from mmlabeleff.datasets.generators.texture_scenes import PALETTE
    np.testing.assert_array_equal(rows[:64:2, 3 * panel_w::2],
                                  np.asarray(PALETTE, np.uint8)[gt])
    # the scribble column is the image except on (thickened) scribbles
    scribbles = rows[:64:2, panel_w:2 * panel_w:2]
    changed = (scribbles != first).any(-1)
    assert 0 < changed.mean() < 0.9


def test_missing_files_are_named(tool, tmp_path):
    with pytest.raises(SystemExit, match='nope.py'):
        tool.main(['--full', str(tmp_path / 'nope.py'), 'a.pth', '--weak',
                   'b.py', 'b.pth', '--out', str(tmp_path / 'x.png')])
