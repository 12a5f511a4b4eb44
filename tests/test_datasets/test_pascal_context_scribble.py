"""PascalContextScribbleDataset (60 classes) and PascalContextScribbleDataset59
(59 classes), named and classed as mmseg's PASCAL-Context datasets."""
import copy

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.datasets import PascalContextDataset, PascalContextDataset59
from PIL import Image

from mmlabeleff.datasets import (
    PascalContextScribbleDataset,
    PascalContextScribbleDataset59,
)
from mmlabeleff.testing.fake_datasets import (
    BASE_INFO_KEYS,
    DENSE_PIPELINE,
    TEST_DATA,
    TINY_ROOTS,
    build_dataset,
    weak_pipeline,
)

CTX_ROOT = TINY_ROOTS['pascal_context']
XML_DIR = TEST_DATA / 'pascal_context_tiny' / 'scribble_annotation' / (
    'pascal_context')
BASE_KEYS = BASE_INFO_KEYS | {'sample_idx'}


def _dataset(cls=PascalContextScribbleDataset59, root=CTX_ROOT, **kwargs):
    return build_dataset(cls, root, **kwargs)


def test_names_and_classes_are_mmseg_s():
    assert PascalContextScribbleDataset.METAINFO['classes'] == (
        PascalContextDataset.METAINFO['classes'])
    assert PascalContextScribbleDataset59.METAINFO['classes'] == (
        PascalContextDataset59.METAINFO['classes'])
    assert len(PascalContextScribbleDataset.METAINFO['classes']) == 60
    assert len(PascalContextScribbleDataset59.METAINFO['classes']) == 59
    assert PascalContextScribbleDataset.DEFAULT_SPARSE_PREFIX.endswith(
        'context60_scribbles_r100')
    assert PascalContextScribbleDataset59.DEFAULT_SPARSE_PREFIX.endswith(
        'context59_scribbles_r100')


def _class_id(dataset, name):
    return dataset.metainfo['classes'].index(name)


def test_scribble_infos_and_classes():
    ds = _dataset()
    assert len(ds) == 2
    assert len(ds.metainfo['classes']) == 59
    assert 'background' not in ds.metainfo['classes']
    info = ds.get_data_info(0)
    assert set(info) == BASE_KEYS | {'sparse_map_path'}
    assert info['supervision'] == 'scribbles'
    assert info['reduce_zero_label'] is True
    assert info['sparse_map_path'].endswith(
        'ScribbleSup/context59_scribbles_r100/2008_000002.png')


@pytest.mark.parametrize('supervision,extra', [
    ('full', {'seg_map_path'}),
    ('tags', {'image_labels'}),
    ('points', {'sparse_map_path'}),
    ('partial', {'sparse_map_path'}),
    ('unlabeled', set()),
])
def test_other_supervision_keys(supervision, extra):
    info = _dataset(supervision=supervision).get_data_info(0)
    assert set(info) == BASE_KEYS | extra


def test_sparse_maps_hold_59_class_ids_and_background_is_ignored():
    ds = _dataset(pipeline=weak_pipeline(59))
    sparse = ds[0]['data_samples'].gt_sparse_seg.data.numpy()
    expected = {_class_id(ds, c) for c in ('sky', 'grass', 'dog')}
    # background scribbles are 255 (ignore) in the 59-class space
    assert set(np.unique(sparse)) == expected | {254, 255}


def test_dense_masks_and_tags_drop_background():
    ds = _dataset(supervision='full', ann_file=(
        'ImageSets/SegmentationContext/val.txt'), pipeline=DENSE_PIPELINE)
    seg = ds[0]['data_samples'].gt_sem_seg.data.numpy()
    raw = np.array(
        Image.open(CTX_ROOT / 'SegmentationClassContext' / '2008_000007.png'))
    assert (seg[0][raw == 0] == 255).all()
    assert (seg[0][raw > 0] == raw[raw > 0] - 1).all()
    tags = _dataset(supervision='tags').get_data_info(0)['image_labels']
    assert tags == sorted(_class_id(ds, c) for c in ('sky', 'grass', 'dog'))


def test_unsupported_supervision_is_refused():
    with pytest.raises(ValueError, match='boxes'):
        _dataset(supervision='boxes')
    with pytest.raises(ValueError, match='tags_from'):
        _dataset(supervision='tags', tags_from='xml')


def test_missing_sparse_map_and_empty_split_are_named(tiny_copy):
    root = tiny_copy('pascal_context')
    missing = 'ScribbleSup/context59_scribbles_r100/2008_000003.png'
    (root / missing).unlink()
    with pytest.raises(FileNotFoundError, match=missing):
        _dataset(root=root)
    (root / 'ImageSets/SegmentationContext/train.txt').write_text('')
    with pytest.raises(ValueError, match='train.txt: split file lists no'):
        _dataset(root=root)


def test_60_classes_keep_background(tmp_path):
    from mmlabeleff.structures.scribblesup import convert_scribblesup
    convert_scribblesup(str(XML_DIR), str(tmp_path), dataset='context60')
    ds = _dataset(
        PascalContextScribbleDataset,
        data_prefix=dict(
            img_path='JPEGImages',
            seg_map_path='SegmentationClassContext',
            sparse_map_path=str(tmp_path / 'context60_scribbles_r100')),
        pipeline=weak_pipeline(60))
    assert len(ds.metainfo['classes']) == 60
    assert ds.metainfo['classes'][0] == 'background'
    assert ds.get_data_info(0)['reduce_zero_label'] is False
    sparse = ds[0]['data_samples'].gt_sparse_seg.data.numpy()
    expected = {_class_id(ds, c) for c in ('background', 'sky', 'grass', 'dog')}
    assert set(np.unique(sparse)) == expected | {254}
    tags = _dataset(PascalContextScribbleDataset,
                    supervision='tags').get_data_info(0)['image_labels']
    assert tags == sorted(expected)


def test_config_builds_train_and_val_sets(repo_root):
    from mmlabeleff.registry import DATASETS
    cfg = Config.fromfile(str(
        repo_root / 'configs/_base_/datasets/pascal_context_59_scribble.py'))
    init_default_scope('mmlabeleff')
    for key, field in (('train_dataloader', 'gt_sparse_seg'),
                       ('val_dataloader', 'gt_sem_seg')):
        dataset_cfg = copy.deepcopy(cfg[key].dataset)
        dataset_cfg.data_root = str(CTX_ROOT)
        dataset = DATASETS.build(dataset_cfg)
        assert field in dataset[0]['data_samples']
