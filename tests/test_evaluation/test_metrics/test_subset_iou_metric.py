"""SubsetIoUMetric: mmseg's IoUMetric plus the mIoU of class subsets."""
import math

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.evaluator import Evaluator
from mmengine.registry import init_default_scope
from mmseg.datasets import CityscapesDataset
from mmseg.evaluation import IoUMetric

from mmlabeleff.evaluation import SubsetIoUMetric
from mmlabeleff.registry import METRICS
from mmlabeleff.testing.script_loader import REPO_ROOT

REPO = REPO_ROOT
CLASSES = ('a', 'b', 'c', 'd', 'e')
# One 2x4 image; 255 is ignored, class 'e' occurs in neither map.
LABEL = [[0, 0, 1, 1], [2, 2, 255, 3]]
PRED = [[0, 1, 1, 1], [2, 0, 3, 3]]
# By hand over the 7 labelled pixels (intersection / union):
# a 1/3, b 2/3, c 1/2, d 1/1, e 0/0 (undefined).


def _sample(pred, label):
    return dict(pred_sem_seg=dict(data=torch.tensor(pred)[None]),
                gt_sem_seg=dict(data=torch.tensor(label)[None]))


def _evaluate(metric, samples, classes=CLASSES):
    metric.dataset_meta = dict(classes=classes)
    metric.process({}, samples)
    return metric.evaluate(len(samples))


def test_subset_means_by_hand():
    metric = SubsetIoUMetric(subsets=dict(
        mIoU_ab=['a', 'b'], mIoU_cde=['c', 'd', 'e'], mIoU_e=['e']))
    metrics = _evaluate(metric, [_sample(PRED, LABEL)])
    assert metrics['mIoU'] == pytest.approx(62.5)  # (1/3+2/3+1/2+1) / 4
    assert metrics['mIoU_ab'] == pytest.approx(50.0)  # (1/3 + 2/3) / 2
    assert metrics['mIoU_cde'] == pytest.approx(75.0)  # e is skipped
    assert math.isnan(metrics['mIoU_e'])
    assert metrics['aAcc'] == pytest.approx(100 * 5 / 7, abs=0.01)  # 5 right


def test_nan_to_num_counts_undefined_classes():
    metric = SubsetIoUMetric(subsets=dict(mIoU_cde=['c', 'd', 'e']),
                             nan_to_num=0)
    metrics = _evaluate(metric, [_sample(PRED, LABEL)])
    assert metrics['mIoU_cde'] == pytest.approx(50.0)  # (1/2 + 1 + 0) / 3
    assert metrics['mIoU'] == pytest.approx(50.0)  # (2.5 + 0) / 5


def test_all_classes_subset_equals_mmseg_miou():
    rng = np.random.default_rng(0)
    samples = []
    for _ in range(3):
        label = rng.integers(0, 5, size=(6, 7))
        label[rng.random((6, 7)) < 0.2] = 255
        pred = np.where(rng.random((6, 7)) < 0.6, label % 255,
                        rng.integers(0, 5, size=(6, 7)))
        samples.append(_sample(pred.tolist(), label.tolist()))
    ours = _evaluate(
        SubsetIoUMetric(iou_metrics=['mIoU', 'mDice'],
                        subsets=dict(mIoU_all=list(CLASSES))), samples)
    theirs = _evaluate(IoUMetric(iou_metrics=['mIoU', 'mDice']), samples)
    assert ours['mIoU_all'] == theirs['mIoU']
    assert {k: v for k, v in ours.items() if k != 'mIoU_all'} == theirs


def test_unknown_class_name_is_named_before_evaluation():
    metric = SubsetIoUMetric(subsets=dict(mIoU16=['a', 'wall', 'b']))
    with pytest.raises(ValueError, match=r"'mIoU16'.*\['wall'\]"):
        metric.dataset_meta = dict(classes=CLASSES)
    # through mmengine's Evaluator, as the Runner's ValLoop sets it
    evaluator = Evaluator(SubsetIoUMetric(subsets=dict(s=['f'])))
    with pytest.raises(ValueError, match=r"\['f'\]"):
        evaluator.dataset_meta = dict(classes=CLASSES)


@pytest.mark.parametrize('subsets,match', [
    (dict(), 'non-empty dict'),
    (['a', 'b'], 'non-empty dict'),
    (dict(mIoU=['a']), "'mIoU' must be a string other than"),
    (dict(s='a'), 'non-empty sequence'),
    (dict(s=[]), 'non-empty sequence'),
    (dict(s=['a', 'b', 'a']), r"\['a'\] more than once"),
])
def test_bad_subsets(subsets, match):
    with pytest.raises(ValueError, match=match):
        SubsetIoUMetric(subsets=subsets)


def test_format_only_returns_nothing(tmp_path):
    metric = SubsetIoUMetric(subsets=dict(s=['a']), format_only=True,
                             output_dir=str(tmp_path))
    metric.dataset_meta = dict(classes=CLASSES)
    sample = _sample(PRED, LABEL)
    sample['img_path'] = 'x/0001.png'
    metric.process({}, [sample])
    assert metric.evaluate(1) == {}
    assert (tmp_path / '0001.png').is_file()


def test_registry_builds_by_name():
    init_default_scope('mmlabeleff')
    metric = METRICS.build(
        dict(type='SubsetIoUMetric', subsets=dict(s=['a'])))
    assert isinstance(metric, SubsetIoUMetric)
    assert METRICS.get('SubsetIoUMetric') is SubsetIoUMetric


def _areas(iou_percent):
    """(intersect, union, pred, label) histograms with given IoUs."""
    iou = torch.tensor(iou_percent, dtype=torch.float64)
    union = torch.full_like(iou, 100.0)
    union[torch.isnan(iou)] = 0
    intersect = torch.nan_to_num(iou)
    return intersect, union, union.clone(), union.clone()


def test_synthia_config_reports_16_and_13_class_means():
    cfg = Config.fromfile(str(REPO / 'configs/_base_/datasets/synthia.py'))
    init_default_scope('mmlabeleff')
    metric = METRICS.build(cfg.val_evaluator)
    assert cfg.test_evaluator == cfg.val_evaluator
    metric.dataset_meta = dict(classes=CityscapesDataset.METAINFO['classes'])
    # IoU of Cityscapes train id i is i %; terrain (9), truck (14) and train
    # (16) never occur in SYNTHIA
    iou = [float(i) for i in range(19)]
    iou[9] = iou[14] = iou[16] = math.nan
    metrics = metric.compute_metrics([_areas(iou)])
    # the 16 ids: 0-8, 10-13, 15, 17, 18 (sum 132); the 13 drop 3, 4, 5
    assert metrics['mIoU16'] == pytest.approx(132 / 16)
    assert metrics['mIoU13'] == pytest.approx(round(120 / 13, 2))
    assert metrics['mIoU'] == pytest.approx(round(132 / 16, 2))


def test_synthia_config_subsets_are_the_dataset_protocol():
    from mmlabeleff.datasets.synthia import SYNTHIA_13_TRAIN_IDS, SYNTHIA_16_TRAIN_IDS
    cfg = Config.fromfile(str(REPO / 'configs/_base_/datasets/synthia.py'))
    names = CityscapesDataset.METAINFO['classes']
    subsets = cfg.val_evaluator['subsets']
    assert [names.index(c) for c in subsets['mIoU16']] == list(
        SYNTHIA_16_TRAIN_IDS)
    assert [names.index(c) for c in subsets['mIoU13']] == list(
        SYNTHIA_13_TRAIN_IDS)
