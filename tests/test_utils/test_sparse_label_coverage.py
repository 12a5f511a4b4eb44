"""Tests of :mod:`mmlabeleff.utils.sparse_label_coverage`."""
import numpy as np
import pytest
from mmengine.config import Config

from mmlabeleff.structures import IGNORE_INDEX, UNLABELED_INDEX
from mmlabeleff.utils.sparse_label_coverage import (
    COVERAGE_MODES,
    format_coverage_table,
    measure_sparse_label_coverage,
    scribble_ids,
    set_sparse_interpolation,
    sparse_map_stats,
)


def test_scribble_ids_and_stats():
    sparse = np.full((8, 10), UNLABELED_INDEX, np.uint8)
    sparse[1, 1:6] = 2  # scribble of class 2
    sparse[5, 1:4] = 2  # another one of class 2
    sparse[3:7, 8] = 0  # one of class 0
    sparse[7] = IGNORE_INDEX
    ids, count, overflow = scribble_ids(sparse)
    assert (count, overflow) == (3, 0)
    assert ids.dtype == np.uint8
    np.testing.assert_array_equal(ids == IGNORE_INDEX, sparse == IGNORE_INDEX)
    assert len(np.unique(ids[sparse < UNLABELED_INDEX])) == 3
    stats = sparse_map_stats(sparse, ids)
    assert stats == dict(labelled=12, valid=70, scribbles=3, components=3,
                         points=0, points_kept=0)
    # break the first scribble in two: 4 components for 3 scribbles
    broken = sparse.copy()
    broken[1, 3] = UNLABELED_INDEX
    assert sparse_map_stats(broken, ids)['components'] == 4
    points = np.array([[1.5, 1.5], [8.5, 3.5], [0.5, 0.5]], np.float32)
    stats = sparse_map_stats(sparse, ids, points, np.array([2, 0, 1]))
    assert (stats['points'], stats['points_kept']) == (3, 2)


def test_scribble_ids_wrap_after_254():
    sparse = np.full((3, 600), UNLABELED_INDEX, np.uint8)
    sparse[1, ::2] = 1  # 300 one-pixel scribbles
    ids, count, overflow = scribble_ids(sparse)
    assert (count, overflow) == (300, 46)
    assert ids[sparse < UNLABELED_INDEX].max() == 253


def test_set_sparse_interpolation_finds_every_weak_resize():
    pipeline = [
        dict(type='LoadWeakAnnotations'),
        dict(type='mmseg.RandomResize', scale=(8, 8),
             resize_type='WeakResize'),
        dict(type='mmdet.MultiBranch',
             strong=[dict(type='mmlabeleff.WeakResize', scale=(4, 4))]),
        dict(type='mmseg.RandomResize', scale=(8, 8)),  # mmcv's Resize
    ]
    assert set_sparse_interpolation(pipeline, 'nearest') == 2
    assert pipeline[1]['sparse_interpolation'] == 'nearest'
    assert pipeline[2]['strong'][0]['sparse_interpolation'] == 'nearest'
    assert 'sparse_interpolation' not in pipeline[3]


@pytest.fixture
def weak_cfg(repo_root, camvid_tiny_root, camvid_tiny_weak_root):
    cfg = Config.fromfile(
        str(repo_root / 'configs' / '_base_' / 'datasets' / 'camvid_weak.py'))
    cfg.merge_from_dict({
        'train_dataloader.dataset.data_root': str(camvid_tiny_root),
        'train_dataloader.dataset.weak_root': str(camvid_tiny_weak_root),
    })
    # camvid_tiny is 36x48: scale it as the recipe scales 360x480 CamVid
    resize = cfg.train_dataloader.dataset.pipeline[2]
    assert resize['resize_type'] == 'WeakResize'
    resize['scale'] = (24, 18)
    return cfg


def test_measure_on_camvid_tiny_scribbles(weak_cfg):
    result = measure_sparse_label_coverage(weak_cfg, num=3, seed=1)
    assert result['num_samples'] == 3 and len(result['indices']) == 3
    original = result['original']
    assert original['components_per_scribble'] == 1.0
    assert original['mean_size'] == [36.0, 48.0]
    assert original['points_kept_fraction'] is None
    for mode in COVERAGE_MODES:
        after = result[mode]
        assert after['mean_size'][0] < 36 and after['mean_size'][1] < 48
        assert 0 < after['labelled_fraction'] < 1
    # nearest breaks the 1-pixel scribbles; the label modes keep them whole
    assert result['nearest']['components_per_scribble'] > 1.5
    for mode in ('label_area', 'label_centre'):
        assert result[mode]['components_per_scribble'] < 1.2
        assert (result[mode]['labelled_fraction']
                > result['nearest']['labelled_fraction'])
    assert (result['label_centre']['totals']['labelled']
            <= result['label_area']['totals']['labelled'])
    # the same samples and seed give the same numbers
    again = measure_sparse_label_coverage(weak_cfg, num=3, seed=1,
                                          modes=('label_area', ))
    assert again['label_area'] == result['label_area']
    table = format_coverage_table(result).splitlines()
    assert table[0].startswith('| | original size | after pipeline, nearest')
    assert len(table) == 8


def test_measure_points_kept(weak_cfg):
    weak_cfg.merge_from_dict({
        'train_dataloader.dataset.supervision': 'points',
        'train_dataloader.dataset.weak_label': 'points_n1'})
    result = measure_sparse_label_coverage(weak_cfg, num=10, seed=0,
                                           modes=('nearest', 'label_area'))
    assert result['num_samples'] == 4  # all of camvid_tiny
    assert result['original']['points_kept_fraction'] == 1.0
    assert result['label_area']['points_kept_fraction'] == 1.0
    assert result['nearest']['points_kept_fraction'] < 0.5


def test_measure_needs_a_sparse_map(weak_cfg):
    weak_cfg.merge_from_dict({'train_dataloader.dataset.supervision': 'tags',
                              'train_dataloader.dataset.weak_label': None})
    with pytest.raises(ValueError, match='no gt_sparse_seg_map'):
        measure_sparse_label_coverage(weak_cfg, num=1)
    pipeline = weak_cfg.train_dataloader.dataset.pipeline
    weak_cfg.train_dataloader.dataset.pipeline = [
        step for step in pipeline if 'Resize' not in step['type']]
    with pytest.raises(ValueError, match='no WeakResize'):
        measure_sparse_label_coverage(weak_cfg, num=1)
