"""GTA5Dataset on tests/data/gta5_tiny."""
import os
import shutil

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from PIL import Image

from mmlabeleff.datasets import GTA5Dataset
from mmlabeleff.registry import DATASETS
from mmlabeleff.testing.fake_datasets import (
    BASE_INFO_KEYS,
    CITYSCAPES_TRAIN_ID_STRIPES,
    DENSE_PIPELINE,
    TINY_ROOTS,
    build_dataset,
    data_infos,
)

GTA = TINY_ROOTS['gta5']
MMSEG_KEYS = BASE_INFO_KEYS
TRAIN_ID_STRIPES = list(CITYSCAPES_TRAIN_ID_STRIPES)
_infos = data_infos


def _dataset(root=GTA, **kwargs):
    return build_dataset(GTA5Dataset, root, **kwargs)


def _segs(ds):
    return [item['data_samples'].gt_sem_seg.data.numpy()[0] for item in ds]


def test_converted_train_ids_are_the_default():
    ds = _dataset(pipeline=DENSE_PIPELINE)
    assert len(ds) == 2 and len(ds.metainfo['classes']) == 19
    for info in _infos(ds):
        assert set(info) == MMSEG_KEYS | {'seg_map_path'}
        assert info['seg_map_path'].endswith('_labelTrainIds.png')
        assert info['domain'] == 'source' and info['supervision'] == 'full'
        assert info['label_map'] is None
    for i, seg in enumerate(_segs(ds)):
        expected = TRAIN_ID_STRIPES[i:] + TRAIN_ID_STRIPES[:i]
        assert seg[:, ::8].tolist() == [expected] * 32


def test_raw_label_ids_map_through_label_map():
    raw = _dataset(raw_label_ids=True, pipeline=DENSE_PIPELINE)
    info = _infos(raw)[0]
    assert info['seg_map_path'] == str(GTA / 'labels' / '00001.png')
    assert Image.open(info['seg_map_path']).mode == 'P'
    assert len(info['label_map']) == 34
    assert info['label_map'][26] == 13 and info['label_map'][9] == 255
    converted = _dataset(pipeline=DENSE_PIPELINE)
    for a, b in zip(_segs(raw), _segs(converted)):
        np.testing.assert_array_equal(a, b)


def test_raw_label_ids_compose_with_a_class_subset():
    ds = _dataset(raw_label_ids=True, pipeline=DENSE_PIPELINE,
                  metainfo=dict(classes=('road', 'car')))
    seg = _segs(ds)[0]
    assert seg[0, ::8].tolist() == [0, 1, 255, 255, 255, 255, 255, 255]


def test_unlabeled_source_and_bad_options():
    (info, _) = _infos(_dataset(supervision='unlabeled'))
    assert set(info) == MMSEG_KEYS
    with pytest.raises(ValueError, match="cannot provide supervision='tags'"):
        _dataset(supervision='tags')
    with pytest.raises(ValueError, match="domain='both'"):
        _dataset(domain='both')


def test_missing_files_name_the_file(tiny_copy):
    root = tiny_copy('gta5')
    label = root / 'labels' / '00002_labelTrainIds.png'
    os.remove(label)
    with pytest.raises(FileNotFoundError,
                       match=f'{label}: .*dataset_converters/gta5.py'):
        _dataset(root)
    shutil.rmtree(root / 'images')
    with pytest.raises(FileNotFoundError, match=f'{root}/images: GTA5'):
        _dataset(root)
    (root / 'split.txt').write_text('00001\n')
    with pytest.raises(FileNotFoundError, match='00001.png: image of'):
        _dataset(root, ann_file='split.txt')


def test_config_builds_source_and_cityscapes_val(repo_root):
    cfg = Config.fromfile(str(repo_root / 'configs/_base_/datasets/gta5.py'))
    init_default_scope('mmlabeleff')
    train_cfg = cfg.train_dataloader.dataset
    train_cfg.update(data_root=str(GTA))
    sample = DATASETS.build(train_cfg)[0]['data_samples']
    assert sample.domain == 'source' and sample.supervision == 'full'
    assert sample.gt_sem_seg.data.shape[-2:] == (512, 512)
    val_cfg = cfg.val_dataloader.dataset
    val_cfg.update(data_root=str(TINY_ROOTS['cityscapes']))
    assert len(DATASETS.build(val_cfg)) == 1
