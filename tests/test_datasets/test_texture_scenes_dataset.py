"""TextureScenesDataset: loads the generated scenes through mmseg pipelines."""
import json

import numpy as np
import pytest
from mmengine.registry import DefaultScope

from mmlabeleff.datasets import TextureScenesDataset
from mmlabeleff.datasets.generators import make_texture_scenes
from mmlabeleff.registry import DATASETS


@pytest.fixture(scope='module')
def scenes_root(tmp_path_factory):
    root = tmp_path_factory.mktemp('texture_scenes') / 'ts'
    make_texture_scenes(root, num_train=4, num_val=2, size=(32, 40))
    return root


def _prefix(split):
    return dict(img_path=f'img_dir/{split}', seg_map_path=f'ann_dir/{split}')


def _check_item(item, num_classes=5):
    assert item['inputs'].shape == (3, 32, 40)
    sample = item['data_samples']
    seg = sample.gt_sem_seg.data.numpy()
    assert seg.shape == (1, 32, 40)
    assert set(np.unique(seg).tolist()) <= set(range(num_classes))
    assert sample.img_path.endswith('.png')
    assert sample.seg_map_path.endswith('.png')


def test_loads_with_mmseg_scope(scenes_root):
    pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations'),
        dict(type='PackSegInputs'),
    ]
    with DefaultScope.overwrite_default_scope('mmseg'):
        train = TextureScenesDataset(
            data_root=str(scenes_root),
            data_prefix=_prefix('train'),
            pipeline=pipeline)
        val = TextureScenesDataset(
            data_root=str(scenes_root),
            data_prefix=_prefix('val'),
            pipeline=pipeline,
            test_mode=True)
    assert len(train) == 4 and len(val) == 2
    for i in range(len(train)):
        _check_item(train[i])
    _check_item(val[1])
    info = train.get_data_info(0)
    assert info['img_path'].endswith('img_dir/train/00000.png')
    assert info['seg_map_path'].endswith('ann_dir/train/00000.png')
    assert info['reduce_zero_label'] is False


def test_builds_from_registry_in_mmlabeleff_scope(scenes_root):
    meta = json.loads((scenes_root / 'meta.json').read_text())
    cfg = dict(
        type='TextureScenesDataset',
        data_root=str(scenes_root),
        data_prefix=_prefix('val'),
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='mmseg.LoadAnnotations'),
            dict(type='mmseg.PackSegInputs'),
        ])
    with DefaultScope.overwrite_default_scope('mmlabeleff'):
        ds = DATASETS.build(cfg)
    assert isinstance(ds, TextureScenesDataset) and len(ds) == 2
    assert list(ds.metainfo['classes']) == meta['classes']
    assert [list(p) for p in ds.metainfo['palette']] == meta['palette']
    _check_item(ds[0])


def test_missing_folder_names_the_generator(tmp_path):
    with pytest.raises(FileNotFoundError, match='make_demo_dataset.py'):
        TextureScenesDataset(
            data_root=str(tmp_path), data_prefix=_prefix('train'))


@pytest.fixture(scope='module')
def scribbles_root(scenes_root, tmp_path_factory):
    """Scribbles of the train scenes, as ``make demo`` simulates them."""
    from mmlabeleff.structures import list_folder_samples, simulate_weak_labels
    out = tmp_path_factory.mktemp('texture_scenes_weak')
    samples = list_folder_samples(str(scenes_root / 'img_dir' / 'train'),
                                  str(scenes_root / 'ann_dir' / 'train'),
                                  img_suffix='.png')
    simulate_weak_labels(samples, str(out), 5, types=('scribbles', ),
                         scribble_ratios=(1.0, ), workers=1)
    return out


def test_scribbles_from_weak_root(scenes_root, scribbles_root):
    cfg = dict(
        type='TextureScenesDataset',
        data_root=str(scenes_root),
        data_prefix=_prefix('train'),
        supervision='scribbles',
        weak_root=str(scribbles_root),
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadWeakAnnotations', num_classes=5),
            dict(type='PackWeakSegInputs'),
        ])
    with DefaultScope.overwrite_default_scope('mmlabeleff'):
        ds = DATASETS.build(cfg)
    assert len(ds) == 4
    info = ds.get_data_info(1)
    assert info['supervision'] == 'scribbles'
    assert 'seg_map_path' not in info  # no dense mask by accident
    assert info['sparse_map_path'] == str(
        scribbles_root / 'scribbles_r100' / '00001.png')
    sample = ds[1]['data_samples']
    assert 'gt_sem_seg' not in sample
    sparse = sample.gt_sparse_seg.data.numpy()
    assert sparse.shape == (1, 32, 40)
    values = set(np.unique(sparse).tolist())
    assert 254 in values and values - {254} <= set(range(5))
    assert values - {254}  # some labelled pixels
    # with keep_seg_map_path the masks come too (to draw or score them)
    with DefaultScope.overwrite_default_scope('mmlabeleff'):
        both = DATASETS.build(dict(cfg, keep_seg_map_path=True))
    assert 'gt_sem_seg' in both[1]['data_samples']


def test_weak_supervision_needs_weak_root(scenes_root):
    with pytest.raises(ValueError, match='needs weak_root'):
        TextureScenesDataset(data_root=str(scenes_root),
                             data_prefix=_prefix('train'),
                             supervision='scribbles')


def test_missing_scribbles_are_named(scenes_root, tmp_path):
    with pytest.raises(FileNotFoundError, match='scribbles_r100'):
        TextureScenesDataset(data_root=str(scenes_root),
                             data_prefix=_prefix('train'),
                             supervision='scribbles', weak_root=str(tmp_path))
