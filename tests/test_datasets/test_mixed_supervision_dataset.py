"""MixedSupervisionDataset: seeded per-image label types over one split."""
import pytest
from mmengine.registry import init_default_scope

from mmlabeleff.datasets.mixed_supervision_dataset import assign_supervision
from mmlabeleff.registry import DATASETS

PIPELINE = [dict(type='LoadImageFromFile'),
            dict(type='LoadWeakAnnotations', num_classes=11,
                 image_labels_from_sparse=True),
            dict(type='PackWeakSegInputs')]


def build(root, weak_root, fractions, seed=0, **per_type):
    init_default_scope('mmlabeleff')
    base = dict(type='CamVidDataset', data_root=str(root),
                ann_file='splits/train.txt', pipeline=PIPELINE)
    datasets = {}
    for kind in fractions:
        cfg = dict(base)
        if kind not in ('full', 'unlabeled'):
            cfg['weak_root'] = str(weak_root)
        cfg.update(per_type.get(kind, {}))
        datasets[kind] = cfg
    return DATASETS.build(dict(type='MixedSupervisionDataset',
                               datasets=datasets, fractions=fractions,
                               seed=seed))


def test_assignment_is_seeded_and_proportional():
    kinds = assign_supervision(10, dict(full=0.1, scribbles=0.3, points=0.3,
                                        tags=0.3), seed=0)
    assert [kinds.count(k) for k in ('full', 'scribbles', 'points', 'tags')] \
        == [1, 3, 3, 3]
    assert kinds == assign_supervision(10, dict(full=0.1, scribbles=0.3,
                                                points=0.3, tags=0.3), seed=0)
    assert kinds != assign_supervision(10, dict(full=0.1, scribbles=0.3,
                                                points=0.3, tags=0.3), seed=1)
    with pytest.raises(ValueError, match='sum to 1'):
        assign_supervision(4, dict(full=0.5, tags=0.2))
    with pytest.raises(ValueError, match='unknown supervision'):
        assign_supervision(4, dict(sketch=1.0))


def test_each_image_carries_its_own_labels(camvid_tiny_root,
                                           camvid_tiny_weak_root):
    fractions = dict(full=0.25, scribbles=0.25, points=0.25, unlabeled=0.25)
    dataset = build(camvid_tiny_root, camvid_tiny_weak_root, fractions)
    assert len(dataset) == 4
    assert dataset.counts() == dict(full=1, scribbles=1, points=1, unlabeled=1)
    assert dataset.metainfo['classes'][0] == 'Sky'
    for i in range(4):
        kind = dataset.supervisions[i]
        sample = dataset[i]['data_samples']
        assert sample.metainfo['supervision'] == kind
        assert ('gt_sem_seg' in sample) == (kind == 'full')
        assert ('gt_sparse_seg' in sample) == (kind in ('scribbles', 'points'))
        assert dataset.get_data_info(i)['supervision'] == kind
    assert dataset.indices_of('full') == [dataset.supervisions.index('full')]


def test_mismatched_images_are_named(camvid_tiny_root, camvid_tiny_weak_root):
    with pytest.raises(ValueError, match='same supervision types'):
        build(camvid_tiny_root, camvid_tiny_weak_root,
              dict(full=1.0)).__class__(datasets=dict(full={}),
                                        fractions=dict(tags=1.0))
    with pytest.raises(ValueError, match='has 2 images, not 4'):
        build(camvid_tiny_root, camvid_tiny_weak_root,
              dict(full=0.5, unlabeled=0.5),
              unlabeled=dict(indices=2))
