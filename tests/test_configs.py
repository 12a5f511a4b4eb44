"""Every config under configs/ loads and builds its model on CPU."""
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmlabeleff.registry import MODELS

REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIGS = sorted(p for p in (REPO_ROOT / 'configs').rglob('*.py')
                 if '_base_' not in p.parts)


def _depth(path: Path) -> int:
    """Inheritance depth of a config file (0 for one without _base_)."""
    cfg_text = path.read_text()
    if '_base_' not in cfg_text:
        return 0
    bases = Config._get_base_files(str(path))  # noqa: SLF001
    return 1 + max(_depth((path.parent / b).resolve()) for b in bases)


def test_there_are_configs():
    assert CONFIGS, 'no configs found'


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: p.name)
def test_config_builds_model_and_runs_forward(path):
    cfg = Config.fromfile(str(path))
    assert cfg.default_scope == 'mmlabeleff'
    assert _depth(path) <= 2, f'{path} inherits more than two levels deep'
    init_default_scope('mmlabeleff')
    model = MODELS.build(cfg.model)
    model.eval()
    with torch.no_grad():
        out = model(torch.rand(1, 3, 64, 64), mode='tensor')
    assert out.shape[:2] == (1, cfg.model.decode_head.num_classes)
