"""Every config under configs/ loads and builds its model on CPU.

Recipes (the configs outside ``_base_``) also follow the conventions of
docs/conventions.md: an OpenMMLab file name whose schedule field agrees with
``train_cfg.max_iters`` and the poly decay's ``end``, and inheritance at most
two levels deep.
"""
import re
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmlabeleff.registry import MODELS
from mmlabeleff.testing.script_loader import REPO_ROOT

ALL_CONFIGS = sorted(p for p in (REPO_ROOT / 'configs').rglob('*.py')
                     if '_base_' not in p.parts)
#: Pipeline configs (a ``stages`` list, tools/pseudo_label/run_pipeline.py).
PIPELINES = [p for p in ALL_CONFIGS if '-pipeline_' in p.name]
CONFIGS = [p for p in ALL_CONFIGS if p not in PIPELINES]


def _model_source(path: Path):
    """The config a recipe takes its model from unchanged: its only base,
    when that base is in the same folder and the recipe never assigns
    ``model`` (e.g. the other labelled splits of a semi-supervised recipe);
    else None."""
    bases = Config._get_base_files(str(path))  # noqa: SLF001
    text = path.read_text()
    if (len(bases) != 1 or not bases[0].startswith('./')
            or re.search(r'^model\b', text, re.MULTILINE)):
        return None
    return path.parent / bases[0][2:]


#: Recipes whose model is their base's, unchanged: compared, not rebuilt.
SAME_MODEL = {p: _model_source(p) for p in CONFIGS if _model_source(p)}
BUILT = [p for p in CONFIGS if p not in SAME_MODEL]
MAX_DEPTH = 2
#: {method}_{backbone}_{G}xb{B}-{iters}_{dataset}-{label}-{crop}.py; a
#: schedule is written with its unit: 2k (thousands of iterations) or 300iter.
RECIPE_NAME = re.compile(
    r'^(?P<method>[a-z0-9-]+)_(?P<backbone>[a-z0-9-]+)_'
    r'(?P<gpus>\d+)xb(?P<batch>\d+)-(?P<iters>\d+)(?P<unit>k|iter)_'
    r'(?P<data>[a-z0-9-]+-\d+x\d+)\.py$')


def _depth(path: Path) -> int:
    """Inheritance depth of a config file (0 for one without _base_)."""
    bases = Config._get_base_files(str(path))  # noqa: SLF001
    if not bases:
        return 0
    return 1 + max(
        _depth(Path(Config._get_cfg_path(b, str(path))[0]))  # noqa: SLF001
        for b in bases)


def _schedule_errors(path: Path, cfg: Config) -> list:
    """How a recipe's schedule disagrees with its file name (empty if not)."""
    match = RECIPE_NAME.match(path.name)
    if match is None:
        return [f'{path.name} does not follow {RECIPE_NAME.pattern}']
    scale = 1000 if match['unit'] == 'k' else 1
    named = int(match['iters']) * scale
    max_iters = cfg.train_cfg.get('max_iters')
    errors = []
    if max_iters != named:
        errors.append(f'the file name says {named} iterations, '
                      f'train_cfg.max_iters is {max_iters}')
    schedulers = cfg.get('param_scheduler') or []
    if isinstance(schedulers, dict):
        schedulers = [schedulers]
    for scheduler in schedulers:
        if scheduler['type'].split('.')[-1] == 'PolyLR':
            end = scheduler.get('end', 'unset (never)')
            if end != max_iters:
                errors.append(f'PolyLR ends at {end}, train_cfg.max_iters is '
                              f'{max_iters}')
    return errors


def test_there_are_configs():
    assert CONFIGS, 'no configs found'


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: p.name)
def test_inheritance_at_most_two_levels(path):
    assert _depth(path) <= MAX_DEPTH, (
        f'{path} inherits {_depth(path)} levels deep (at most {MAX_DEPTH})')


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: p.name)
def test_schedule_agrees_with_file_name(path):
    assert _schedule_errors(path, Config.fromfile(str(path))) == []


@pytest.mark.parametrize('path', sorted(SAME_MODEL), ids=lambda p: p.name)
def test_recipe_has_its_base_model(path):
    model = Config.fromfile(str(path)).model
    assert model == Config.fromfile(str(SAME_MODEL[path])).model
    assert SAME_MODEL[path] in BUILT or SAME_MODEL[path] in SAME_MODEL


@pytest.mark.parametrize('path', BUILT, ids=lambda p: p.name)
def test_config_builds_model_and_runs_forward(path):
    cfg = Config.fromfile(str(path))
    assert cfg.default_scope == 'mmlabeleff'
    init_default_scope('mmlabeleff')
    model = MODELS.build(cfg.model)
    model.eval()
    with torch.no_grad():
        out = model(torch.rand(1, 3, 64, 64), mode='tensor')
    # a teacher-student wrapper builds its networks from model.segmentor
    head = cfg.model.get('segmentor', cfg.model).decode_head
    if cfg.model.type == 'IRNet':  # boundary logits, displacements
        assert [tuple(o.shape) for o in out] == [(1, 1, 16, 16), (1, 2, 16, 16)]
    elif cfg.model.type == 'CAMClassifier':  # one logit per CAM class
        with_bg = head.get('background_index') is not None
        assert out.shape == (1, head.num_classes - with_bg)
    else:
        assert out.shape[:2] == (1, head.num_classes)


@pytest.mark.parametrize('path', PIPELINES, ids=lambda p: p.name)
def test_pipeline_config_plans(path, monkeypatch):
    from mmlabeleff.apis.pipeline import plan_pipeline
    monkeypatch.chdir(REPO_ROOT)
    steps = plan_pipeline(str(path.relative_to(REPO_ROOT)))
    assert [s.kind for s in steps][:2] == ['train', 'test']
    assert steps[-1].kind == 'train'


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_schedule_check_catches_mismatches(tmp_path):
    """The checks above fail on a recipe whose schedule disagrees."""
    _write(tmp_path / 'schedule.py', (
        'max_iters = 2000\n'
        "param_scheduler = [dict(type='PolyLR', end=max_iters)]\n"
        'train_cfg = dict(max_iters=max_iters)\n'))
    consistent = _write(tmp_path / 'm_b_1xb2-2k_d-full-8x8.py',
                        "_base_ = ['./schedule.py']  # 2k\n")
    assert _schedule_errors(consistent, Config.fromfile(consistent)) == []
    # max_iters shortened, the inherited PolyLR silently left at 2000
    short = _write(tmp_path / 'm_b_1xb2-300iter_d-full-8x8.py', (
        "_base_ = ['./schedule.py']  # 2k\n"
        'train_cfg = dict(max_iters=300)\n'))
    errors = _schedule_errors(short, Config.fromfile(short))
    assert errors == ['PolyLR ends at 2000, train_cfg.max_iters is 300']
    # the file name promises another length
    wrong_name = _write(tmp_path / 'm_b_1xb2-4k_d-full-8x8.py',
                        "_base_ = ['./schedule.py']  # 2k\n")
    errors = _schedule_errors(wrong_name, Config.fromfile(wrong_name))
    assert errors == [
        'the file name says 4000 iterations, train_cfg.max_iters is 2000']
    no_unit = _write(tmp_path / 'm_b_1xb2-300_d-full-8x8.py',
                     "_base_ = ['./schedule.py']  # 2k\n")
    assert 'does not follow' in _schedule_errors(
        no_unit, Config.fromfile(no_unit))[0]


def test_depth_check_catches_deep_chains(tmp_path):
    _write(tmp_path / 'a.py', 'x = 1\n')
    _write(tmp_path / 'b.py', "_base_ = ['./a.py']  # a\n")
    _write(tmp_path / 'c.py', "_base_ = ['./b.py', './a.py']  # b, a\n")
    deep = _write(tmp_path / 'd.py', "_base_ = './c.py'  # c\n")
    assert [_depth(tmp_path / f'{n}.py') for n in 'abc'] == [0, 1, 2]
    assert _depth(deep) == 3 > MAX_DEPTH
