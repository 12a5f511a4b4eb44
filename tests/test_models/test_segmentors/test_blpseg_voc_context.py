"""The BLPSeg recipes of PASCAL VOC and PASCAL-Context train and test on tiny
fake data (voc_tiny, pascal_context_tiny), shrunk by
:func:`~mmlabeleff.testing.tiny_configs.shrink_pascal_recipe`."""
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mmlabeleff.registry import DATASETS
from mmlabeleff.structures import IGNORE_INDEX, UNLABELED_INDEX
from mmlabeleff.testing.fake_datasets import TEST_DATA, TINY_ROOTS, copy_tiny
from mmlabeleff.testing.script_loader import REPO_ROOT
from mmlabeleff.testing.tiny_configs import shrink_pascal_recipe

RECIPES = sorted(p for p in (REPO_ROOT / 'configs/blpseg').glob('*.py')
                 if 'voc12aug' in p.name or 'pascal-context' in p.name)
CONTEXT_XML = TEST_DATA / 'pascal_context_tiny' / 'scribble_annotation' / (
    'pascal_context')


@pytest.fixture(scope='module')
def context60_root(tmp_path_factory) -> Path:
    """pascal_context_tiny with the 60-class scribbles the Context recipes
    read, written by the ScribbleSup converter (``--dataset context60``)."""
    from mmlabeleff.structures.scribblesup import convert_scribblesup
    root = copy_tiny('pascal_context',
                     tmp_path_factory.mktemp('context60') / 'VOC2010')
    convert_scribblesup(str(CONTEXT_XML), str(root / 'ScribbleSup'),
                        dataset='context60')
    assert (root / 'ScribbleSup' / 'context60_scribbles_r100').is_dir()
    return root


def _data_root(path: Path, context60_root: Path) -> Path:
    return context60_root if 'pascal-context' in path.name else TINY_ROOTS['voc']


def test_every_pascal_recipe_is_covered():
    names = {p.name for p in RECIPES}
    assert len(names) == 6
    assert all('_r101_' in name for name in names)
    assert 'blpseg-pce_r101_2xb5-42320iter_voc12aug-scribbles-384x384.py' in names


@pytest.mark.parametrize('path', RECIPES, ids=lambda p: p.name)
def test_recipe_trains_on_tiny_data(path: Path, context60_root, tmp_path):
    cfg = shrink_pascal_recipe(Config.fromfile(str(path)),
                               _data_root(path, context60_root), tmp_path)
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert (tmp_path / 'iter_2.pth').is_file()
    scalars = runner.message_hub.log_scalars
    baseline = path.name.startswith('blpseg-pce')
    keys = (('train/decode.loss_ce',) if baseline else
            ('train/decode.loss_blp', 'train/decode.loss_scribble'))
    for key in ('train/loss', ) + keys:
        value = scalars[key].current()
        assert np.isfinite(value) and value < 1e4, key
    assert 'val/mIoU' in scalars
    head = runner.model.decode_head
    if baseline:  # partial CE only: no scribble head, LAM or self-training
        assert head.scribble_branch is None and head.lam is None
        assert 'train/decode.loss_blp' not in scalars
    # BLPSeg's second iteration trained on self-training targets
    assert head.self_training is not baseline
    assert runner.model.decode_head.num_classes == (
        60 if 'pascal-context' in path.name else 21)


def _tta_cfg(path: Path, data_root: Path, work_dir: Path) -> Config:
    """The shrunk recipe as ``tools/test.py --tta`` turns it: the test set
    reads ``tta_pipeline`` and ``tta_model`` wraps the model."""
    cfg = shrink_pascal_recipe(Config.fromfile(str(path)), data_root,
                               work_dir)
    cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
    cfg.tta_model.module = cfg.model
    cfg.model = cfg.tta_model
    return cfg


@pytest.mark.parametrize(
    'name', [p.name for p in RECIPES if p.name.startswith('blpseg-crf')])
def test_crf_recipe_tests_with_tta(name, context60_root, tmp_path):
    """--tta runs multi-scale + flip with the CRF refiner on every view."""
    path = REPO_ROOT / 'configs/blpseg' / name
    cfg = _tta_cfg(path, _data_root(path, context60_root), tmp_path)
    assert cfg.model.module.test_cfg.refiner.preset == 'blpseg'
    scales = [step['scale_factor']
              for step in cfg.tta_pipeline[1]['transforms'][0]]
    assert scales == [0.5, 0.75, 1.0, 1.25]
    metrics = Runner.from_cfg(cfg).test()
    assert 0.0 <= metrics['mIoU'] <= 100.0


def test_tta_with_the_self_training_hook(tmp_path):
    """The hook checks its module only before training, so a test run with
    the SegTTAModel wrapper works with the recipe's custom_hooks."""
    path = (REPO_ROOT / 'configs/blpseg' /
            'blpseg_r101_2xb5-42320iter_voc12aug-scribbles-384x384.py')
    Runner.from_cfg(_tta_cfg(path, TINY_ROOTS['voc'], tmp_path)).test()


def test_points_recipe_draws_disks_from_the_exact_points():
    path = (REPO_ROOT / 'configs/blpseg' /
            'blpseg_r101_2xb5-42320iter_voc12aug-points-384x384.py')
    cfg = Config.fromfile(str(path))
    radius = next(step['radius'] for step in cfg.train_dataloader.dataset.pipeline
                  if step['type'] == 'DrawPointLabels')
    assert radius == 3
    dataset_cfg = cfg.train_dataloader.dataset
    dataset_cfg.data_root = str(TINY_ROOTS['voc'])
    # no geometric transforms, so every point lands inside the image
    dataset_cfg.pipeline = [
        step for step in dataset_cfg.pipeline
        if step['type'] not in ('mmseg.RandomResize', 'WeakRandomCrop',
                                'WeakRandomFlip')
    ]
    init_default_scope('mmlabeleff')
    dataset = DATASETS.build(dataset_cfg)
    sample = dataset[0]['data_samples']
    points = sample.gt_points
    sparse = sample.gt_sparse_seg.data.numpy()[0]
    labelled = (sparse != UNLABELED_INDEX) & (sparse != IGNORE_INDEX)
    assert len(points.labels) > 0
    # a disk of radius 3 is 29 pixels; images are 32 x 48, so disks may be
    # clipped at the border or overlap, but cover far more than the points
    assert labelled.sum() > 4 * len(points.labels)
    for (x, y), label in zip(points.points.numpy(), points.labels.numpy()):
        assert sparse[int(np.floor(y)), int(np.floor(x))] == label
