"""Tests of :mod:`mmlabeleff.apis.config` (the config logic of the tools)."""
import json
import os
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmlabeleff.apis import (
    build_test_config,
    build_train_config,
    default_work_dir,
    enable_amp,
    load_config,
    save_config,
    trigger_visualization_hook,
)

TOY = """
model = dict(type='Toy', depth=18, channels=[8, 16])
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1))
default_hooks = dict(visualization=dict(type='mmseg.SegVisualizationHook'))
visualizer = dict(type='WeakSegLocalVisualizer', name='visualizer')
test_dataloader = dict(dataset=dict(pipeline=['test']))
test_evaluator = dict(type='mmseg.IoUMetric')
tta_model = dict(type='mmseg.SegTTAModel')
tta_pipeline = ['tta']
"""


@pytest.fixture
def toy(tmp_path):
    """A config file without a ``work_dir``, and a fake checkpoint."""
    config = tmp_path / 'toy_cfg.py'
    config.write_text(TOY)
    checkpoint = tmp_path / 'toy.pth'
    checkpoint.write_bytes(b'')
    return str(config), str(checkpoint)


def test_load_config_merges_options_and_names_a_missing_file(toy, tmp_path):
    cfg = load_config(toy[0], {'model.depth': 34, 'max_iters': 7})
    assert cfg.model.depth == 34 and cfg.model.channels == [8, 16]
    assert cfg.max_iters == 7
    missing = str(tmp_path / 'nope.py')
    with pytest.raises(FileNotFoundError, match='nope.py'):
        load_config(missing)


def test_launcher_is_set_before_the_options(toy):
    # as in mmseg's tools, --cfg-options has the last word
    assert load_config(toy[0], launcher='slurm').launcher == 'slurm'
    cfg = load_config(toy[0], {'launcher': 'mpi'}, launcher='slurm')
    assert cfg.launcher == 'mpi'


def test_work_dir_precedence(toy, tmp_path):
    config = toy[0]
    assert default_work_dir(config) == osp.join('./work_dirs', 'toy_cfg')
    assert build_train_config(config).work_dir == './work_dirs/toy_cfg'
    from_cfg = build_train_config(config, cfg_options={'work_dir': 'a'})
    assert from_cfg.work_dir == 'a'
    from_cli = build_train_config(config, work_dir='b',
                                  cfg_options={'work_dir': 'a'})
    assert from_cli.work_dir == 'b'


def test_train_config_launcher_and_resume(toy, tmp_path):
    cfg = build_train_config(toy[0], launcher='pytorch')
    assert cfg.launcher == 'pytorch' and cfg.resume is False
    assert build_train_config(toy[0], resume=True).resume is True
    # a config's own resume=True is kept
    kept = build_train_config(toy[0], cfg_options={'resume': True})
    assert kept.resume is True


def test_amp_switches_the_optimizer_wrapper(toy, monkeypatch):
    # pretend a GPU (mmengine's logger then asks for the device count too)
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    monkeypatch.setattr(torch.cuda, 'device_count', lambda: 1)
    cfg = build_train_config(toy[0], amp=True)
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert cfg.optim_wrapper.loss_scale == 'dynamic'
    assert cfg.optim_wrapper.optimizer.lr == 0.1
    # already AMP: unchanged (and no loss_scale added)
    amp_cfg = Config(dict(optim_wrapper=dict(type='AmpOptimWrapper')))
    assert 'loss_scale' not in enable_amp(amp_cfg).optim_wrapper
    other = Config(dict(optim_wrapper=dict(type='ApexOptimWrapper')))
    with pytest.raises(RuntimeError, match='ApexOptimWrapper'):
        enable_amp(other)


def test_amp_without_gpu_is_a_clear_error(toy, monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    with pytest.raises(RuntimeError, match='--amp needs a GPU'):
        build_train_config(toy[0], amp=True)


def test_test_config_loads_checkpoint_and_saves_predictions(toy, tmp_path):
    config, checkpoint = toy
    cfg = build_test_config(config, checkpoint, out=str(tmp_path / 'preds'))
    assert cfg.load_from == checkpoint
    assert cfg.launcher == 'none'
    assert cfg.test_evaluator.output_dir == str(tmp_path / 'preds')
    assert cfg.test_evaluator.keep_results is True
    assert cfg.work_dir == './work_dirs/toy_cfg'
    # without --show / --show-dir the hook is left as configured
    assert 'draw' not in cfg.default_hooks.visualization


def test_test_config_missing_files_are_named(toy, tmp_path):
    config, checkpoint = toy
    with pytest.raises(FileNotFoundError, match='none.pth: checkpoint'):
        build_test_config(config, str(tmp_path / 'none.pth'))
    with pytest.raises(FileNotFoundError, match='none.py: config'):
        build_test_config(str(tmp_path / 'none.py'), checkpoint)


def test_show_dir_draws_every_test_image(toy, tmp_path):
    config, checkpoint = toy
    cfg = build_test_config(config, checkpoint, show_dir=str(tmp_path / 'v'))
    hook = cfg.default_hooks.visualization
    assert hook.draw is True and hook.interval == 1
    assert 'show' not in hook
    assert cfg.visualizer.save_dir == str(tmp_path / 'v')

    shown = trigger_visualization_hook(Config.fromfile(config), show=True,
                                       wait_time=0.5)
    hook = shown.default_hooks.visualization
    assert hook.show is True and hook.wait_time == 0.5
    assert 'save_dir' not in shown.visualizer


def test_show_without_visualization_hook_is_refused():
    cfg = Config(dict(default_hooks=dict(logger=dict(type='LoggerHook'))))
    with pytest.raises(RuntimeError, match='VisualizationHook'):
        trigger_visualization_hook(cfg, show=True)


def test_tta_wraps_the_model(toy):
    config, checkpoint = toy
    cfg = build_test_config(config, checkpoint, tta=True)
    assert cfg.model.type == 'mmseg.SegTTAModel'
    assert cfg.model.module.type == 'Toy' and cfg.model.module.depth == 18
    assert cfg.test_dataloader.dataset.pipeline == ['tta']


@pytest.mark.parametrize('suffix', ['.py', '.json', '.yaml'])
def test_save_config_round_trips(toy, tmp_path, suffix):
    cfg = load_config(toy[0], {'model.depth': 50})
    out = tmp_path / 'out' / f'resolved{suffix}'
    save_config(cfg, str(out))
    assert os.listdir(out.parent) == [out.name]  # no temporary file left
    saved = Config.fromfile(str(out))
    assert saved.model.depth == 50 and saved.tta_pipeline == ['tta']
    if suffix == '.json':
        assert json.loads(out.read_text())['model']['channels'] == [8, 16]


def test_save_config_refuses_unknown_suffix(toy, tmp_path):
    with pytest.raises(ValueError, match='x.txt'):
        save_config(load_config(toy[0]), str(tmp_path / 'x.txt'))
    assert not (tmp_path / 'x.txt').exists()
