"""PascalContextScribbleDataset (59 classes) and the 60-class variant."""
import copy
import importlib.util
import shutil
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from PIL import Image

from mmlabeleff.datasets import (PascalContext60ScribbleDataset,
                                 PascalContextScribbleDataset)

REPO_ROOT = Path(__file__).resolve().parents[2]
TINY = REPO_ROOT / 'tests' / 'data' / 'pascal_context_tiny'
CTX_ROOT = TINY / 'VOCdevkit' / 'VOC2010'
XML_DIR = TINY / 'scribble_annotation' / 'pascal_context'
BASE_KEYS = {
    'img_path', 'label_map', 'reduce_zero_label', 'seg_fields', 'supervision',
    'domain', 'sample_idx'
}


def _dataset(cls=PascalContextScribbleDataset, root=CTX_ROOT, **kwargs):
    init_default_scope('mmlabeleff')
    kwargs.setdefault('pipeline', [])
    return cls(data_root=str(root), **kwargs)


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
    ds = _dataset(pipeline=[
        dict(type='LoadImageFromFile'),
        dict(type='LoadWeakAnnotations', num_classes=59),
        dict(type='PackWeakSegInputs'),
    ])
    sparse = ds[0]['data_samples'].gt_sparse_seg.data.numpy()
    expected = {_class_id(ds, c) for c in ('sky', 'grass', 'dog')}
    # background scribbles are 255 (ignore) in the 59-class space
    assert set(np.unique(sparse)) == expected | {254, 255}


def test_dense_masks_and_tags_drop_background():
    ds = _dataset(supervision='full', ann_file=(
        'ImageSets/SegmentationContext/val.txt'), pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='mmseg.LoadAnnotations'),
            dict(type='mmseg.PackSegInputs'),
        ])
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


def test_missing_sparse_map_and_empty_split_are_named(tmp_path):
    root = tmp_path / 'VOC2010'
    shutil.copytree(CTX_ROOT, root)
    missing = 'ScribbleSup/context59_scribbles_r100/2008_000003.png'
    (root / missing).unlink()
    with pytest.raises(FileNotFoundError, match=missing):
        _dataset(root=root)
    (root / 'ImageSets/SegmentationContext/train.txt').write_text('')
    with pytest.raises(ValueError, match='train.txt: split file lists no'):
        _dataset(root=root)


def test_60_class_variant_keeps_background(tmp_path):
    spec = importlib.util.spec_from_file_location(
        'scribblesup', REPO_ROOT / 'tools/dataset_converters/scribblesup.py')
    scribblesup = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scribblesup)
    scribblesup.convert(str(XML_DIR), str(tmp_path), dataset='context60')
    ds = _dataset(
        PascalContext60ScribbleDataset,
        data_prefix=dict(
            img_path='JPEGImages',
            seg_map_path='SegmentationClassContext',
            sparse_map_path=str(tmp_path / 'context60_scribbles_r100')),
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadWeakAnnotations', num_classes=60),
            dict(type='PackWeakSegInputs'),
        ])
    assert len(ds.metainfo['classes']) == 60
    assert ds.metainfo['classes'][0] == 'background'
    assert ds.get_data_info(0)['reduce_zero_label'] is False
    sparse = ds[0]['data_samples'].gt_sparse_seg.data.numpy()
    expected = {_class_id(ds, c) for c in ('background', 'sky', 'grass', 'dog')}
    assert set(np.unique(sparse)) == expected | {254}
    tags = _dataset(PascalContext60ScribbleDataset,
                    supervision='tags').get_data_info(0)['image_labels']
    assert tags == sorted(expected)


def test_config_builds_train_and_val_sets():
    from mmlabeleff.registry import DATASETS
    cfg = Config.fromfile(
        str(REPO_ROOT / 'configs/_base_/datasets/pascal_context59_scribble.py'))
    init_default_scope('mmlabeleff')
    for key, field in (('train_dataloader', 'gt_sparse_seg'),
                       ('val_dataloader', 'gt_sem_seg')):
        dataset_cfg = copy.deepcopy(cfg[key].dataset)
        dataset_cfg.data_root = str(CTX_ROOT)
        dataset = DATASETS.build(dataset_cfg)
        assert field in dataset[0]['data_samples']
