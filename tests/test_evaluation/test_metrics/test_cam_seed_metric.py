"""CAMSeedMetric: IRN's eval_cam over a sweep of background scores."""
import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmlabeleff.evaluation import CAMSeedMetric

CLASSES = ('background', 'cat', 'dog')
# One 2x4 image: background 0 and classes 1, 2 (its tags).
GT = [[0, 0, 1, 1], [0, 2, 2, 1]]
CAM_1 = [[0.1, 0.3, 0.9, 0.8], [0.0, 0.2, 0.1, 0.6]]
CAM_2 = [[0.0, 0.1, 0.2, 0.1], [0.05, 0.7, 0.9, 0.3]]
# max CAM [[.1 .3 .9 .8] [.05 .7 .9 .6]], argmax class [[1 1 1 1] [2 2 2 1]].
# t = 0.15: seed [[0 1 1 1] [0 2 2 1]]: only pixel (0, 1) wrong;
#   IoU bg 2/3, cat 3/4, dog 2/2 -> mIoU 80.56
# t = 0.5 (and alpha = 1, where (1 - max) < max iff max > 0.5): the seed is
#   the ground truth -> 100
# t = 0.95: all background: bg 3/8, cat 0, dog 0 -> 12.5


def _sample(cams=(CAM_1, CAM_2), labels=(1, 2), gt=GT, img_path='a.png'):
    return dict(cams=dict(data=torch.tensor(cams, dtype=torch.float32)),
                cam_labels=list(labels),
                gt_sem_seg=dict(data=torch.tensor(gt)[None]),
                img_path=img_path)


def _evaluate(metric, samples, classes=CLASSES):
    metric.dataset_meta = dict(classes=classes)
    metric.process({}, samples)
    return metric.evaluate(len(samples))


def test_threshold_sweep_by_hand():
    metric = CAMSeedMetric(bg_thresholds=(0.15, 0.5, 0.95))
    metrics = _evaluate(metric, [_sample()])
    assert metrics['seed/mIoU@t0.15'] == pytest.approx(80.56)
    assert metrics['seed/mIoU@t0.5'] == 100.0
    assert metrics['seed/mIoU@t0.95'] == 12.5
    assert metrics['seed/mIoU'] == 100.0 and metrics['seed/threshold'] == 0.5
    assert 'seed/alpha' not in metrics
    assert metric.last_results['best'] == 't0.5'
    assert metric.last_results['class_iou'] == dict(background=1.0, cat=1.0,
                                                    dog=1.0)
    assert list(metric.last_results['forms']) == ['t0.15', 't0.5', 't0.95']


def test_ties_go_to_background_and_the_first_best_threshold_wins():
    # at t = 0.3 pixel (0, 1) has max CAM 0.3 == t: background, as IRN's
    # argmax over [t, CAMs] picks the first maximum -> the seed is exact
    metric = CAMSeedMetric(bg_thresholds=(0.3, 0.5))
    metrics = _evaluate(metric, [_sample()])
    assert metrics['seed/mIoU@t0.3'] == metrics['seed/mIoU@t0.5'] == 100.0
    assert metrics['seed/threshold'] == 0.3


def test_power_background_form():
    metric = CAMSeedMetric(bg_thresholds=(0.15, ), bg_alphas=(1, 8))
    metrics = _evaluate(metric, [_sample()])
    assert metrics['seed/mIoU@alpha1'] == 100.0
    # alpha 8: background 0.9^8 = 0.43 > 0.1 at (0, 0) and 0.95^8 = 0.66 >
    # 0.05 at (1, 0), but 0.7^8 = 0.058 < 0.3 at (0, 1): cat there, the seed
    # of t = 0.15
    assert metrics['seed/mIoU@alpha8'] == pytest.approx(80.56)
    assert metrics['seed/alpha'] == 1.0 and metrics['seed/threshold'] == 0.15
    assert metrics['seed/mIoU'] == 100.0


def test_confusions_are_summed_over_images_not_averaged():
    # a second image, all dog, whose CAM misses half of it at t = 0.5
    gt2 = [[2, 2, 2, 2], [2, 2, 2, 2]]
    cam2 = [[0.9, 0.9, 0.9, 0.9], [0.1, 0.1, 0.1, 0.1]]
    metric = CAMSeedMetric(bg_thresholds=(0.5, ))
    metrics = _evaluate(metric, [_sample(), _sample([cam2], [2], gt2)])
    # bg: hit 3, gt 3, pred 3 + 4 -> 3/7; cat 3/3; dog: hit 2 + 4, gt 2 + 8,
    # pred 2 + 4 -> 6/10
    assert metrics['seed/mIoU'] == pytest.approx(
        np.round((3 / 7 + 1 + 6 / 10) / 3 * 100, 2))


def test_ignored_pixels_and_images_without_tags():
    gt = [[0, 255, 1, 1], [0, 2, 2, 1]]
    metric = CAMSeedMetric(bg_thresholds=(0.15, ))
    metrics = _evaluate(metric, [_sample(gt=gt)])
    # the one wrong pixel is ignored now
    assert metrics['seed/mIoU'] == 100.0
    # no tags: the seed is all background
    metric = CAMSeedMetric(bg_thresholds=(0.15, ))
    empty = _sample(cams=np.zeros((0, 2, 4)), labels=())
    metrics = _evaluate(metric, [empty])
    assert metrics['seed/mIoU'] == pytest.approx(np.round(3 / 8 * 100 / 3, 2))


def test_without_background_class_the_seed_is_the_argmax():
    gt = [[1, 1, 1, 1], [2, 2, 2, 1]]
    metric = CAMSeedMetric(background_index=None)
    metrics = _evaluate(metric, [_sample(gt=gt)])
    assert metrics == {'seed/mIoU': 100.0}
    assert metric.last_results['best'] == 'argmax'


def test_bad_inputs_name_the_image():
    metric = CAMSeedMetric()
    metric.dataset_meta = dict(classes=CLASSES)
    with pytest.raises(ValueError, match=r'b.png: cams \(2, 4\) and ground'):
        metric.process({}, [_sample(gt=[[0, 0]], img_path='b.png')])
    with pytest.raises(ValueError, match=r'c.png: cam_labels \[1, 3\]'):
        metric.process({}, [_sample(labels=(1, 3), img_path='c.png')])
    with pytest.raises(ValueError, match='do not match 1 cam_labels'):
        metric.process({}, [_sample(labels=(1, ))])
    with pytest.raises(ValueError, match='e.png: cams contain NaN'):
        metric.process({}, [_sample(cams=(CAM_1, [[float('nan')] * 4] * 2),
                                    img_path='e.png')])
    with pytest.raises(ValueError, match='f.png: ground truth holds classes'):
        metric.process({}, [_sample(gt=[[0, 0, 1, 1], [0, 2, 5, 1]],
                                    img_path='f.png')])
    bad = _sample(img_path='d.png')
    del bad['cams']
    with pytest.raises(KeyError, match="no 'cams'.*d.png"):
        metric.process({}, [bad])
    with pytest.raises(ValueError, match='bg_thresholds must lie'):
        CAMSeedMetric(bg_thresholds=(1.5, ))
    with pytest.raises(ValueError, match='bg_alphas must be positive'):
        CAMSeedMetric(bg_alphas=(0, ))
    with pytest.raises(ValueError, match='give bg_thresholds or bg_alphas'):
        CAMSeedMetric(bg_thresholds=())


def test_built_from_the_registry_in_an_evaluator_with_data_samples():
    init_default_scope('mmlabeleff')
    evaluator = Evaluator(dict(type='CAMSeedMetric',
                               bg_thresholds=[0.15, 0.5]))
    evaluator.dataset_meta = dict(classes=CLASSES)
    sample = SegDataSample(metainfo=dict(cam_labels=[1, 2], img_path='a'))
    sample.cams = PixelData(data=torch.tensor([CAM_1, CAM_2]))
    sample.gt_sem_seg = PixelData(data=torch.tensor(GT)[None])
    evaluator.process([sample], {})
    metrics = evaluator.evaluate(1)
    assert metrics['seed/mIoU'] == 100.0
    assert metrics['seed/threshold'] == 0.5
