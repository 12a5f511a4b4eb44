import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData, PixelData
from mmseg.structures import SegDataSample
from weak_sample import BOXES, POINTS, H, K, W, make_results

from mmlabeleff.datasets.transforms import PackWeakSegInputs


def test_pack_every_field():
    results = make_results()
    results['gt_ignore_flags'] = np.array([False, True])
    results.update(supervision='points', domain='target')
    original = make_results()
    packed = PackWeakSegInputs()(results)
    inputs = packed['inputs']
    assert inputs.shape == (3, H, W) and inputs.dtype == torch.uint8
    # channels first, values untouched (BGR order kept)
    assert torch.equal(inputs, torch.from_numpy(original['img']).permute(2, 0, 1))
    sample = packed['data_samples']
    assert isinstance(sample, SegDataSample)
    assert sample.gt_sem_seg.data.shape == (1, H, W)
    assert torch.equal(sample.gt_sem_seg.data[0].to(torch.uint8),
                       torch.from_numpy(original['gt_seg_map']))
    assert isinstance(sample.gt_sparse_seg, PixelData)
    sparse = sample.gt_sparse_seg.data
    assert sparse.dtype == torch.long and sparse.shape == (1, H, W)
    assert sparse.unique().tolist() == [1, 2, 3, 254, 255]
    assert torch.equal(sparse[0],
                       torch.from_numpy(original['gt_sparse_seg_map']).long())
    tags = sample.gt_image_labels
    assert tags.dtype == torch.float32 and tags.tolist() == [1.0] * K
    assert isinstance(sample.gt_instances, InstanceData)
    assert sample.gt_instances.bboxes.dtype == torch.float32
    assert sample.gt_instances.labels.dtype == torch.long
    assert sample.gt_instances.bboxes.tolist() == [BOXES[0].tolist()]
    assert sample.ignored_instances.labels.tolist() == [2]
    points = sample.gt_points
    assert points.points.dtype == torch.float32
    assert points.points.tolist() == POINTS.tolist()
    assert points.labels.dtype == torch.long
    assert points.labels.tolist() == [0, 1, 3]
    assert sample.supervision == 'points' and sample.domain == 'target'
    assert sample.metainfo['img_path'] == 'synthetic.png'


def test_defaults_and_absent_fields():
    img = np.zeros((8, 6, 3), np.uint8)
    sample = PackWeakSegInputs()(dict(img=img))['data_samples']
    assert sample.metainfo['supervision'] == 'full'
    assert sample.metainfo['domain'] == 'source'
    for key in ('gt_sem_seg', 'gt_sparse_seg', 'gt_image_labels',
                'gt_instances', 'ignored_instances', 'gt_points'):
        assert key not in sample
    sample = PackWeakSegInputs()(dict(
        img=img, gt_bboxes=np.zeros((0, 4), np.float32),
        gt_bboxes_labels=np.zeros(0, np.int64),
        gt_points=np.zeros((0, 2), np.float32),
        gt_points_labels=np.zeros(0, np.int64)))['data_samples']
    assert sample.gt_instances.bboxes.shape == (0, 4)
    assert sample.gt_points.points.shape == (0, 2)
    assert 'ignored_instances' not in sample


def test_unknown_supervision_names_the_image():
    with pytest.raises(ValueError, match="a.png: supervision 'scribble'"):
        PackWeakSegInputs()(dict(img=np.zeros((4, 4, 3), np.uint8),
                                 img_path='a.png', supervision='scribble'))
