"""The SPML CamVid recipes train and validate, and the step benchmark runs
(shrunk to camvid_tiny)."""
import json

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from mmlabeleff.testing.script_loader import REPO_ROOT, load_script
from mmlabeleff.testing.tiny_configs import shrink_weak_recipe

RECIPES = REPO_ROOT / 'configs/spml'
NAMES = ('spml_efflite0_1xb8-2k_camvid-scribbles-176x176.py',
         'spml_efflite0_1xb8-2k_camvid-points-176x176.py',
         'spml-pce_efflite0_1xb8-2k_camvid-scribbles-176x176.py')


def tiny(name, root, weak_root, superpixels, work_dir):
    cfg = shrink_weak_recipe(Config.fromfile(str(RECIPES / name)), root,
                             weak_root, work_dir)
    cfg.train_dataloader.dataset.superpixel_root = str(superpixels)
    return cfg


@pytest.mark.parametrize('name', NAMES[:2])
def test_recipe_trains_and_validates(name, camvid_tiny_root,
                                     camvid_tiny_weak_root,
                                     camvid_tiny_superpixels, tmp_path):
    cfg = tiny(name, camvid_tiny_root, camvid_tiny_weak_root,
               camvid_tiny_superpixels, tmp_path)
    runner = Runner.from_cfg(cfg)
    runner.train()
    hub = runner.message_hub
    sem_ann = hub.get_scalar('train/decode.loss_sem_ann').data[0]
    assert len(sem_ann) == 2 and all(v > 0 for v in sem_ann)
    assert len(hub.get_scalar('train/decode.loss_img_sim').data[0]) == 2
    assert 0 <= hub.get_scalar('val/mIoU').current() <= 100


def test_benchmark_tool_prints_ratios(camvid_tiny_root, camvid_tiny_weak_root,
                                      camvid_tiny_superpixels, tmp_path,
                                      capsys):
    paths = []
    for name in (NAMES[2], NAMES[0]):
        cfg = tiny(name, camvid_tiny_root, camvid_tiny_weak_root,
                   camvid_tiny_superpixels, tmp_path)
        path = tmp_path / name
        cfg.dump(str(path))
        paths.append(str(path))
    tool = load_script('tools/analysis_tools/benchmark_spml.py')
    out = tmp_path / 'steps.json'
    assert tool.main(['--configs', *paths, '--repeats', '1', '--warmup', '0',
                      '--out', str(out)]) == 0
    printed = capsys.readouterr().out
    assert 'target of 1.5x' in printed and NAMES[0] in printed
    rows = json.loads(out.read_text())['steps']
    assert rows[0]['ratio'] == 1.0 and rows[1]['ratio'] > 0
    assert tool.main(['--configs', str(tmp_path / 'missing.py'),
                      paths[0]]) == 2
