"""Over-segmentations travel with the labels: dataset, loader, pack, pad."""
import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope

from mmlabeleff.registry import DATASETS, MODELS


def build(camvid_tiny_root, weak_root, superpixel_root, pipeline):
    init_default_scope('mmlabeleff')
    return DATASETS.build(dict(
        type='CamVidDataset', data_root=str(camvid_tiny_root),
        ann_file='splits/train.txt', supervision='scribbles',
        weak_root=str(weak_root), superpixel_root=str(superpixel_root),
        pipeline=pipeline))


def test_superpixels_follow_geometry_and_padding(
        camvid_tiny_root, camvid_tiny_weak_root, camvid_tiny_superpixels):
    from mmlabeleff.structures.superpixels import load_superpixel_map
    pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='LoadWeakAnnotations', num_classes=11),
        dict(type='WeakRandomFlip', prob=1.0),
        dict(type='PackWeakSegInputs'),
    ]
    dataset = build(camvid_tiny_root, camvid_tiny_weak_root,
                    camvid_tiny_superpixels, pipeline)
    info = dataset.get_data_info(0)
    raw = load_superpixel_map(info['superpixel_path'])
    sample = dataset[0]['data_samples']
    packed = sample.gt_superpixel.data
    assert packed.dtype == torch.int64
    assert torch.equal(packed[0], torch.from_numpy(raw[:, ::-1].astype(np.int64)))
    assert packed.shape[-2:] == sample.gt_sparse_seg.data.shape[-2:]
    # the data preprocessor pads it like the labels
    pre = MODELS.build(dict(type='WeakSegDataPreProcessor', size=(400, 500),
                            mean=[0, 0, 0], std=[1, 1, 1]))
    out = pre(pseudo_collate([dataset[0]]), training=True)['data_samples'][0]
    assert out.gt_superpixel.data.shape[-2:] == (400, 500)
    assert out.gt_sparse_seg.data.shape[-2:] == (400, 500)
    assert (out.gt_superpixel.data[0, -1] == 0).all()


def test_missing_superpixel_map_is_named(camvid_tiny_root,
                                         camvid_tiny_weak_root, tmp_path):
    with pytest.raises(FileNotFoundError, match='superpixel map not found'):
        build(camvid_tiny_root, camvid_tiny_weak_root, tmp_path, [])
