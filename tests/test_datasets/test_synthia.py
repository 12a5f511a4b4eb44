"""SYNTHIADataset on tests/data/synthia_tiny."""
import os

import cv2
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmlabeleff.datasets import SYNTHIADataset
from mmlabeleff.datasets.synthia import (
    SYNTHIA_13_TRAIN_IDS,
    SYNTHIA_16_TRAIN_IDS,
    SYNTHIA_ID_TO_TRAIN_ID,
)
from mmlabeleff.registry import DATASETS
from mmlabeleff.testing.fake_datasets import (
    BASE_INFO_KEYS,
    DENSE_PIPELINE,
    TINY_ROOTS,
    build_dataset,
)

SYN = TINY_ROOTS['synthia']
MMSEG_KEYS = BASE_INFO_KEYS
# SYNTHIA ids of the fake stripes: 3, 8, 0, 16, 22, 1, 21, 11
TRAIN_ID_STRIPES = [0, 13, 255, 255, 255, 10, 3, 18]


def _dataset(root=SYN, **kwargs):
    return build_dataset(SYNTHIADataset, root, **kwargs)


def test_mapping_is_the_16_class_protocol():
    assert SYNTHIA_ID_TO_TRAIN_ID == {
        3: 0, 4: 1, 2: 2, 21: 3, 5: 4, 7: 5, 15: 6, 9: 7, 6: 8, 1: 10,
        10: 11, 17: 12, 8: 13, 19: 15, 12: 17, 11: 18
    }
    assert tuple(sorted(SYNTHIA_ID_TO_TRAIN_ID.values())) == SYNTHIA_16_TRAIN_IDS
    # terrain, truck and train do not occur
    assert not {9, 14, 16} & set(SYNTHIA_16_TRAIN_IDS)
    assert set(SYNTHIA_16_TRAIN_IDS) - set(SYNTHIA_13_TRAIN_IDS) == {3, 4, 5}


def test_loads_converted_train_ids():
    ds = _dataset(pipeline=DENSE_PIPELINE)
    assert len(ds) == 2 and len(ds.metainfo['classes']) == 19
    info = ds.get_data_info(0)
    info.pop('sample_idx')
    assert set(info) == MMSEG_KEYS | {'seg_map_path'}
    assert info['seg_map_path'] == str(
        SYN / 'GT' / 'LABELS' / '0000000_labelTrainIds.png')
    assert info['domain'] == 'source' and info['supervision'] == 'full'
    for i, item in enumerate(ds):
        seg = item['data_samples'].gt_sem_seg.data.numpy()[0]
        expected = TRAIN_ID_STRIPES[i:] + TRAIN_ID_STRIPES[:i]
        assert seg[:, ::8].tolist() == [expected] * 32


def test_raw_labels_are_16_bit_with_class_in_first_channel():
    raw = cv2.imread(str(SYN / 'GT/LABELS/0000000.png'), cv2.IMREAD_UNCHANGED)
    assert raw.dtype == 'uint16' and raw.shape == (32, 64, 3)
    assert raw[0, ::8, 2].tolist() == [3, 8, 0, 16, 22, 1, 21, 11]


def test_missing_converted_label_names_the_converter(tiny_copy):
    root = tiny_copy('synthia')
    label = root / 'GT' / 'LABELS' / '0000001_labelTrainIds.png'
    os.remove(label)
    with pytest.raises(FileNotFoundError,
                       match=f'{label}: .*dataset_converters/synthia.py'):
        _dataset(root)
    assert len(_dataset(root, supervision='unlabeled')) == 2


def test_config_builds(repo_root):
    cfg = Config.fromfile(str(repo_root / 'configs/_base_/datasets/synthia.py'))
    init_default_scope('mmlabeleff')
    train_cfg = cfg.train_dataloader.dataset
    train_cfg.update(data_root=str(SYN))
    sample = DATASETS.build(train_cfg)[0]['data_samples']
    assert sample.domain == 'source'
    assert sample.gt_sem_seg.data.shape[-2:] == (512, 512)
    assert cfg.val_dataloader.dataset.type == 'CityscapesWeakDataset'
