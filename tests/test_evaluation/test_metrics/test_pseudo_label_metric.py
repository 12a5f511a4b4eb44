"""PseudoLabelMetric: IoU with uncertain pixels as misses, IoU of the
labelled pixels, coverage and foreground precision / recall, by hand."""
import math

import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.registry import init_default_scope

from mmlabeleff.evaluation import PseudoLabelMetric

CLASSES = ('background', 'cat', 'dog')
# 255 in the pseudo mask: uncertain; 255 in the ground truth: not scored.
GT = [[0, 0, 1, 1], [0, 2, 2, 255]]
PSEUDO = [[0, 255, 1, 2], [0, 2, 255, 1]]
# 7 scored pixels, 5 of them labelled (coverage 5/7); right: 4.
# Uncertain as misses: IoU bg 2/3, cat 1/2, dog 1/3 -> mIoU 50, aAcc 4/7.
# Labelled only ((0,0) (0,2) (0,3) (1,0) (1,1)): bg 2/2, cat 1/2, dog 1/2.
# Background 0: foreground predicted 3 ((0,2) (0,3) (1,1)), 2 right;
# foreground ground truth 4, 2 given their class.


def _sample(pred=PSEUDO, gt=GT, img_path='a.png'):
    return dict(pred_sem_seg=dict(data=torch.tensor(pred)[None]),
                gt_sem_seg=dict(data=torch.tensor(gt)[None]),
                img_path=img_path)


def _evaluate(metric, samples):
    metric.dataset_meta = dict(classes=CLASSES)
    metric.process({}, samples)
    return metric.evaluate(len(samples))


def test_by_hand_with_a_background_class():
    metric = PseudoLabelMetric(background_index=0)
    m = _evaluate(metric, [_sample()])
    assert m['pseudo/mIoU'] == 50.0
    assert m['pseudo/aAcc'] == pytest.approx(57.14)
    assert m['pseudo/mIoU_labelled'] == pytest.approx(66.67)
    assert m['pseudo/coverage'] == pytest.approx(71.43)
    assert m['pseudo/fg_precision'] == pytest.approx(66.67)
    assert m['pseudo/fg_recall'] == 50.0
    iou = metric.last_class_iou
    assert iou['IoU']['dog'] == pytest.approx(1 / 3)
    assert iou['IoU_labelled'] == pytest.approx(
        dict(background=1.0, cat=0.5, dog=0.5))


def test_without_background_every_class_is_foreground():
    m = _evaluate(PseudoLabelMetric(), [_sample()])
    assert m['pseudo/fg_precision'] == 80.0  # 4 of 5 labelled pixels
    assert m['pseudo/fg_recall'] == pytest.approx(57.14)  # 4 of 7
    assert m['pseudo/mIoU'] == 50.0


def test_counts_are_summed_over_masks():
    # a second, fully certain and right mask of 8 dog pixels
    dog = [[2] * 4, [2] * 4]
    m = _evaluate(PseudoLabelMetric(background_index=0),
                  [_sample(), _sample(dog, dog)])
    assert m['pseudo/coverage'] == pytest.approx(round(13 / 15 * 100, 2))
    assert m['pseudo/fg_precision'] == pytest.approx(round(10 / 11 * 100, 2))
    assert m['pseudo/fg_recall'] == pytest.approx(round(10 / 12 * 100, 2))
    # dog IoU: hit 1 + 8, gt 2 + 8, pred 2 + 8 -> 9 / 11
    assert m['pseudo/mIoU'] == pytest.approx(
        round((2 / 3 + 1 / 2 + 9 / 11) / 3 * 100, 2))


def test_all_uncertain_and_size_mismatch():
    m = _evaluate(PseudoLabelMetric(background_index=0),
                  [_sample(pred=[[255] * 4, [255] * 4])])
    assert m['pseudo/coverage'] == 0.0 and m['pseudo/mIoU'] == 0.0
    assert math.isnan(m['pseudo/fg_precision'])
    assert math.isnan(m['pseudo/mIoU_labelled'])
    metric = PseudoLabelMetric()
    metric.dataset_meta = dict(classes=CLASSES)
    with pytest.raises(ValueError, match=r'b.png: pseudo mask \(1, 4\)'):
        metric.process({}, [_sample(pred=[[0, 0, 0, 0]], img_path='b.png')])
    with pytest.raises(ValueError, match=r'c.png: pseudo mask holds 7, '
                       r'outside 0..2 and 255'):
        metric.process({}, [_sample(pred=[[0, 7, 1, 2], [0, 2, 255, 1]],
                                    img_path='c.png')])
    with pytest.raises(ValueError, match='d.png: ground truth holds 9'):
        metric.process({}, [_sample(gt=[[0, 9, 1, 1], [0, 2, 2, 255]],
                                    img_path='d.png')])


def test_built_from_the_registry():
    init_default_scope('mmlabeleff')
    evaluator = Evaluator(dict(type='PseudoLabelMetric', background_index=0))
    evaluator.dataset_meta = dict(classes=CLASSES)
    metric = evaluator.metrics[0]
    metric.process({}, [_sample()])
    assert evaluator.evaluate(1)['pseudo/coverage'] == pytest.approx(71.43)


def test_pred_field_scores_another_field():
    """``pred_field='crf_sem_seg'`` scores that field; a missing one is named."""
    metric = PseudoLabelMetric(background_index=0, pred_field='crf_sem_seg',
                               prefix='crf')
    sample = _sample(pred=GT)  # pred_sem_seg == ground truth
    sample['crf_sem_seg'] = dict(data=torch.tensor(PSEUDO)[None])
    m = _evaluate(metric, [sample])
    assert m['crf/mIoU'] == 50.0  # the CRF field (PSEUDO), not pred_sem_seg
    with pytest.raises(KeyError, match="b.png: no 'crf_sem_seg'"):
        _evaluate(PseudoLabelMetric(pred_field='crf_sem_seg'),
                  [_sample(img_path='b.png')])


def test_per_class_labelled_table():
    """Coverage, share and precision of the labelled pixels, by hand:
    labelled (0,0) bg, (0,2) cat, (0,3) dog (gt cat), (1,0) bg, (1,1) dog."""
    metric = PseudoLabelMetric(background_index=0)
    _evaluate(metric, [_sample()])
    table = metric.last_class_labelled
    assert table['Coverage'] == pytest.approx(
        dict(background=2 / 3, cat=1.0, dog=1 / 2))
    assert table['Share'] == pytest.approx(
        dict(background=0.4, cat=0.2, dog=0.4))
    assert table['Precision'] == pytest.approx(
        dict(background=1.0, cat=1.0, dog=0.5))
    # a class the mask never gives has no precision
    _evaluate(metric, [_sample(pred=[[0, 255, 1, 1], [0, 1, 255, 1]])])
    assert math.isnan(metric.last_class_labelled['Precision']['dog'])
    assert metric.last_class_labelled['Share']['dog'] == 0.0


def _confident_sample(pred, confident, img_path='a.png'):
    """Logits whose argmax is ``pred``: 10 on it where ``confident``
    (softmax 0.9999 of 3 classes), 0 everywhere else (1/3)."""
    pred = torch.tensor(pred)
    logits = torch.zeros(len(CLASSES), *pred.shape)
    logits.scatter_(0, pred[None], 10.0 * torch.tensor(confident)[None])
    sample = _sample(pred=pred.tolist(), img_path=img_path)
    sample['seg_logits'] = dict(data=logits)
    return sample


def test_confidence_threshold_marks_unsure_pixels_uncertain():
    """Thresholding the predictions gives PSEUDO's figures: the two unsure
    pixels are PSEUDO's uncertain ones, whatever class they predict."""
    pred = [[0, 1, 1, 2], [0, 2, 0, 1]]
    confident = [[1, 0, 1, 1], [1, 1, 0, 1]]
    metric = PseudoLabelMetric(background_index=0, confidence_threshold=0.95)
    m = _evaluate(metric, [_confident_sample(pred, confident)])
    assert m['pseudo/mIoU'] == 50.0
    assert m['pseudo/coverage'] == pytest.approx(71.43)
    assert m['pseudo/mIoU_labelled'] == pytest.approx(66.67)
    # without the threshold the same predictions are all labelled
    m = _evaluate(PseudoLabelMetric(background_index=0),
                  [_confident_sample(pred, confident)])
    assert m['pseudo/coverage'] == 100.0
    # a threshold under 1/3 keeps every pixel
    m = _evaluate(PseudoLabelMetric(confidence_threshold=0.3),
                  [_confident_sample(pred, confident)])
    assert m['pseudo/coverage'] == 100.0


def test_confidence_threshold_bad_input():
    with pytest.raises(ValueError, match=r'confidence_threshold must be in '
                       r'\(0, 1\], got 1.5'):
        PseudoLabelMetric(confidence_threshold=1.5)
    with pytest.raises(ValueError, match='got 0'):
        PseudoLabelMetric(confidence_threshold=0)
    with pytest.raises(ValueError, match="got '0.9'"):
        PseudoLabelMetric(confidence_threshold='0.9')
    with pytest.raises(ValueError, match='got nan'):
        PseudoLabelMetric(confidence_threshold=float('nan'))
    with pytest.raises(ValueError, match='got True'):
        PseudoLabelMetric(confidence_threshold=True)
    metric = PseudoLabelMetric(confidence_threshold=0.95)
    metric.dataset_meta = dict(classes=CLASSES)
    with pytest.raises(KeyError, match='b.png: confidence_threshold needs '
                       'the predicted seg_logits'):
        metric.process({}, [_sample(img_path='b.png')])
    sample = _confident_sample([[0, 1, 1, 2], [0, 2, 0, 1]],
                               [[1, 0, 1, 1], [1, 1, 0, 1]], img_path='c.png')
    sample['seg_logits']['data'] = sample['seg_logits']['data'][:, :1]
    with pytest.raises(ValueError, match=r'c.png: seg_logits \(1, 4\) and '
                       r'pred_sem_seg \(2, 4\) differ in size'):
        metric.process({}, [sample])
    # logits of another number of classes (a truncated or foreign output)
    sample = _confident_sample([[0, 1, 1, 2], [0, 2, 0, 1]],
                               [[1, 0, 1, 1], [1, 1, 0, 1]], img_path='e.png')
    sample['seg_logits']['data'] = sample['seg_logits']['data'][:2]
    with pytest.raises(ValueError, match=r'e.png: seg_logits \(2, 2, 4\) '
                       r'are not \(3, H, W\)'):
        metric.process({}, [sample])
