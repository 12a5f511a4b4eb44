"""CityscapesWeakDataset on tests/data/cityscapes_tiny."""
import os
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.datasets import CityscapesDataset

from mmlabeleff.datasets import CityscapesWeakDataset
from mmlabeleff.datasets.cityscapes_weak import CITYSCAPES_LABEL_ID_TO_TRAIN_ID
from mmlabeleff.registry import DATA_SAMPLERS, DATASETS
from mmlabeleff.testing.fake_datasets import (
    BASE_INFO_KEYS,
    CITYSCAPES_TRAIN_ID_STRIPES,
    DENSE_PIPELINE,
    TINY_ROOTS,
    build_dataset,
    data_infos,
)

CS = TINY_ROOTS['cityscapes']
MMSEG_KEYS = BASE_INFO_KEYS
TRAIN_ID_STRIPES = list(CITYSCAPES_TRAIN_ID_STRIPES)
_infos = data_infos


def _dataset(root=CS, **kwargs):
    return build_dataset(CityscapesWeakDataset, root, **kwargs)


@pytest.fixture
def cs_copy(tiny_copy):
    return tiny_copy('cityscapes')


def test_classes_and_suffixes_are_mmseg_s():
    assert CityscapesWeakDataset.METAINFO == CityscapesDataset.METAINFO
    ds = _dataset()
    assert ds.img_suffix == '_leftImg8bit.png'
    assert ds.seg_map_suffix == '_gtFine_labelTrainIds.png'


def test_label_id_to_train_id_is_cityscapes_scripts():
    assert len(CITYSCAPES_LABEL_ID_TO_TRAIN_ID) == 19
    assert sorted(CITYSCAPES_LABEL_ID_TO_TRAIN_ID.values()) == list(range(19))
    assert CITYSCAPES_LABEL_ID_TO_TRAIN_ID[7] == 0  # road
    assert CITYSCAPES_LABEL_ID_TO_TRAIN_ID[24] == 11  # person
    assert CITYSCAPES_LABEL_ID_TO_TRAIN_ID[33] == 18  # bicycle
    assert 9 not in CITYSCAPES_LABEL_ID_TO_TRAIN_ID  # parking is void


def test_full_train_split_loads_train_ids():
    ds = _dataset(pipeline=DENSE_PIPELINE)
    assert len(ds) == 2 and len(ds.metainfo['classes']) == 19
    infos = _infos(ds)
    assert [Path(i['img_path']).name for i in infos] == [
        'aachen_000000_000019_leftImg8bit.png',
        'bochum_000000_000313_leftImg8bit.png'
    ]
    for info in infos:
        assert set(info) == MMSEG_KEYS | {'seg_map_path'}
        assert info['supervision'] == 'full' and info['domain'] == 'source'
    assert infos[1]['seg_map_path'] == str(
        CS / 'gtFine/train/bochum/bochum_000000_000313_gtFine_labelTrainIds.png')
    for i, item in enumerate(ds):
        seg = item['data_samples'].gt_sem_seg.data.numpy()[0]
        expected = TRAIN_ID_STRIPES[i:] + TRAIN_ID_STRIPES[:i]
        assert seg[:, ::8].tolist() == [expected] * 32


def test_semi_supervised_splits():
    labeled = _dataset(ann_file='splits/train_labeled.txt')
    unlabeled = _dataset(ann_file='splits/train_unlabeled.txt',
                         supervision='unlabeled', domain='target')
    assert [Path(i['img_path']).name[:20] for i in _infos(labeled)] == [
        'aachen_000000_000019'
    ]
    (info, ) = _infos(unlabeled)
    assert set(info) == MMSEG_KEYS
    assert Path(info['img_path']).name.startswith('bochum_000000_000313')
    assert info['supervision'] == 'unlabeled' and info['domain'] == 'target'


def test_split_lines_may_be_paths(cs_copy):
    split = cs_copy / 'splits' / 'pairs.txt'
    split.write_text(
        '# U2PL / UniMatch style\n\n'
        'leftImg8bit/train/bochum/bochum_000000_000313_leftImg8bit.png '
        'gtFine/train/bochum/bochum_000000_000313_gtFine_labelTrainIds.png\n'
        'aachen_000000_000019\n'
        'frankfurt/frankfurt_000000_000294\n')  # semi_splits.py style
    ds = _dataset(cs_copy, ann_file='splits/pairs.txt',
                  data_prefix=dict(img_path='leftImg8bit', seg_map_path='gtFine'))
    assert [Path(i['img_path']).name[:6] for i in _infos(ds)] == [
        'bochum', 'aachen', 'frankf'
    ]
    assert _infos(ds)[2]['seg_map_path'] == str(
        cs_copy / 'gtFine/val/frankfurt/'
        'frankfurt_000000_000294_gtFine_labelTrainIds.png')


def test_val_split_and_sparse_supervision(cs_copy):
    val = _dataset(data_prefix=dict(img_path='leftImg8bit/val',
                                    seg_map_path='gtFine/val'),
                   test_mode=True)
    assert len(val) == 1
    sparse = cs_copy / 'points' / 'aachen'
    sparse.mkdir(parents=True)
    (sparse / 'aachen_000000_000019.png').write_bytes(b'')
    ds = _dataset(cs_copy, ann_file='splits/train_labeled.txt',
                  supervision='points',
                  data_prefix=dict(img_path='leftImg8bit/train',
                                   sparse_map_path='points'))
    (info, ) = _infos(ds)
    assert set(info) == MMSEG_KEYS | {'sparse_map_path'}
    assert info['sparse_map_path'] == str(sparse / 'aachen_000000_000019.png')


def test_bad_split_files_name_file_and_line(cs_copy):
    split = cs_copy / 'splits' / 'bad.txt'
    split.write_text('aachen_000000_000019\nberlin_000000_000001\n')
    with pytest.raises(ValueError,
                       match=f"{split}:2: image 'berlin_000000_000001' not"):
        _dataset(cs_copy, ann_file='splits/bad.txt')
    split.write_text('aachen_000000_000019\naachen_000000_000019\n')
    with pytest.raises(ValueError, match=f'{split}:2: .* listed twice'):
        _dataset(cs_copy, ann_file='splits/bad.txt')
    split.write_text('\n# nothing\n')
    with pytest.raises(ValueError, match=f'{split}: split file lists no'):
        _dataset(cs_copy, ann_file='splits/bad.txt')
    with pytest.raises(FileNotFoundError, match='splits/none.txt'):
        _dataset(cs_copy, ann_file='splits/none.txt')


def test_missing_files_name_the_file(cs_copy):
    label = (cs_copy / 'gtFine/train/aachen/'
             'aachen_000000_000019_gtFine_labelTrainIds.png')
    os.remove(label)
    _dataset(cs_copy, supervision='unlabeled')  # needs no labels
    with pytest.raises(FileNotFoundError,
                       match=f'{label}: .*dataset_converters/cityscapes.py'):
        _dataset(cs_copy)
    with pytest.raises(FileNotFoundError, match='leftImg8bit/test: Cityscapes'):
        _dataset(cs_copy, data_prefix=dict(img_path='leftImg8bit/test',
                                           seg_map_path='gtFine/test'))
    with pytest.raises(ValueError, match="cannot provide supervision='tags'"):
        _dataset(cs_copy, supervision='tags')


def test_semi_supervised_config_builds(repo_root):
    cfg = Config.fromfile(
        str(repo_root / 'configs/_base_/datasets/cityscapes_weak.py'))
    init_default_scope('mmlabeleff')
    ds_cfg = cfg.train_dataloader.dataset
    for sub, split in zip(ds_cfg.datasets, ('labeled', 'unlabeled')):
        sub.update(data_root=str(CS), ann_file=f'splits/train_{split}.txt')
    dataset = DATASETS.build(ds_cfg)
    labeled, unlabeled = dataset.datasets
    assert labeled.supervision == 'full' and unlabeled.supervision == 'unlabeled'
    sampler = DATA_SAMPLERS.build(
        cfg.train_dataloader.sampler, default_args=dict(dataset=dataset))
    indices = iter(sampler)
    batch = [next(indices) for _ in range(cfg.train_dataloader.batch_size)]
    assert sorted(set(batch)) == [0, 1]  # both sources in every batch
    lab, unl = dataset[0]['data_samples'], dataset[1]['data_samples']
    assert lab.supervision == 'full' and unl.supervision == 'unlabeled'
    assert lab.gt_sem_seg.data.shape[-2:] == (512, 1024)
    assert 'gt_sem_seg' not in unl
    val_cfg = cfg.val_dataloader.dataset
    val_cfg.update(data_root=str(CS))
    item = DATASETS.build(val_cfg)[0]
    assert item['inputs'].shape == (3, 1024, 2048)
    assert np.unique(item['data_samples'].gt_sem_seg.data).tolist() == [
        0, 9, 10, 13, 16, 18, 255
    ]
