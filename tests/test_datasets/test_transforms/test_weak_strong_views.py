"""Weak and strong views of one image with mmdet's ``MultiBranch``."""
import numpy as np
import torch
from mmcv.transforms import Compose
from weak_sample import make_results

from mmlabeleff.datasets.transforms import WeakResize


def test_multi_branch_weak_and_strong_views(mmlabeleff_scope):
    pipeline = Compose([
        dict(type='RandomResize', scale=(60, 40), ratio_range=(1.0, 1.5),
             resize_type='WeakResize', keep_ratio=True),
        dict(type='WeakRandomCrop', crop_size=(36, 48)),
        dict(type='WeakRandomFlip', prob=0.5),
        dict(type='mmdet.MultiBranch',
             branch_field=['weak', 'strong'],
             weak=[dict(type='PackWeakSegInputs')],
             strong=[dict(type='mmseg.PhotoMetricDistortion'),
                     dict(type='mmseg.RandomCutOut', prob=1.0, n_holes=2,
                          cutout_shape=(6, 6)),
                     dict(type='PackWeakSegInputs')]),
    ])
    np.random.seed(0)
    results = make_results()
    results['supervision'] = 'boxes'
    for (x, y), label in zip(results['gt_points'].astype(int),
                             results['gt_points_labels']):
        results['gt_sparse_seg_map'][y - 1:y + 2, x - 1:x + 2] = label
    packed = pipeline(results)
    weak, strong = (packed['data_samples'][k] for k in ('weak', 'strong'))
    weak_img, strong_img = (packed['inputs'][k] for k in ('weak', 'strong'))
    assert weak_img.shape == strong_img.shape
    assert weak_img.shape[1:] == weak.gt_sparse_seg.shape
    assert not torch.equal(weak_img, strong_img)  # photometric + cutout
    # Same geometry in both views: identical labels of every kind.
    assert torch.equal(weak.gt_sem_seg.data, strong.gt_sem_seg.data)
    assert torch.equal(weak.gt_sparse_seg.data, strong.gt_sparse_seg.data)
    assert torch.equal(weak.gt_instances.bboxes, strong.gt_instances.bboxes)
    assert torch.equal(weak.gt_points.points, strong.gt_points.points)
    assert torch.equal(weak.gt_image_labels, strong.gt_image_labels)
    assert weak.supervision == strong.supervision == 'boxes'
    assert weak.metainfo['flip'] == strong.metainfo['flip']
    # And the points still sit on their labels in the (resized, cropped,
    # flipped) sparse map.
    points = weak.gt_points.points.long()
    sparse = weak.gt_sparse_seg.data[0]
    assert len(points) > 0
    assert torch.equal(sparse[points[:, 1], points[:, 0]],
                       weak.gt_points.labels)


def test_multi_branch_batches_through_the_weak_preprocessor(mmlabeleff_scope):
    from mmengine.dataset import pseudo_collate

    from mmlabeleff.registry import MODELS
    pipeline = Compose([
        dict(type='mmdet.MultiBranch',
             branch_field=['weak', 'strong'],
             weak=[dict(type='PackWeakSegInputs')],
             strong=[dict(type='mmseg.PhotoMetricDistortion'),
                     dict(type='PackWeakSegInputs')]),
    ])
    small = WeakResize(scale=(50, 30))(make_results())
    batch = pseudo_collate([pipeline(make_results()), pipeline(small)])
    preprocessor = MODELS.build(dict(
        type='mmdet.MultiBranchDataPreprocessor',
        data_preprocessor=dict(type='mmlabeleff.WeakSegDataPreProcessor',
                               size_divisor=32)))
    out = preprocessor(batch, training=True)
    for branch in ('weak', 'strong'):
        assert out['inputs'][branch].shape == (2, 3, 64, 64)
        sparse = out['data_samples'][branch][1].gt_sparse_seg.data
        assert sparse.shape == (1, 64, 64) and (sparse[:, 30:] == 255).all()
