import numpy as np
import pytest
from weak_sample import H, W, check_consistency, make_results

from mmlabeleff.datasets.transforms import WeakResize
from mmlabeleff.registry import TRANSFORMS


def _upscale2(label_map):
    return np.repeat(np.repeat(label_map, 2, axis=0), 2, axis=1)


def test_integer_upscale_is_exact():
    original = make_results()
    results = WeakResize(scale=(2 * W, 2 * H))(make_results())
    assert results['img'].shape[:2] == (2 * H, 2 * W)
    assert results['scale_factor'] == (2.0, 2.0)
    # nearest neighbour: every label pixel becomes a 2x2 block
    for key in ('gt_seg_map', 'gt_sparse_seg_map'):
        np.testing.assert_array_equal(results[key], _upscale2(original[key]))
    # continuous coordinates scale exactly
    np.testing.assert_array_equal(results['gt_points'], original['gt_points'] * 2)
    np.testing.assert_array_equal(results['gt_bboxes'], original['gt_bboxes'] * 2)
    assert results['gt_points_labels'].tolist() == [0, 1, 3]
    check_consistency(results, box_tol=0)


@pytest.mark.parametrize('scale', [(78, 52), (30, 20), (45, 53)])
def test_other_scales_keep_labels_on_their_pixels(scale):
    results = WeakResize(scale=scale)(make_results(point_radius=2))
    assert results['img'].shape[:2] == scale[::-1]
    check_consistency(results, box_tol=1.0, point_tol=1.0)


def test_keep_ratio_and_sparse_values_stay_nearest():
    results = WeakResize(scale=(90, 90), keep_ratio=True)(make_results(2))
    assert results['img'].shape[:2] == (60, 90)
    check_consistency(results, box_tol=1.0, point_tol=1.0)
    assert 254 in results['gt_sparse_seg_map']
    assert 255 in results['gt_sparse_seg_map']
    assert results['gt_sparse_seg_map'].dtype == np.uint8


def test_random_resize_with_weak_resize_type(mmlabeleff_scope):
    transform = TRANSFORMS.build(
        dict(type='RandomResize', scale=(W, H), ratio_range=(0.6, 1.6),
             resize_type='WeakResize', keep_ratio=True))
    assert isinstance(transform.resize, WeakResize)
    np.random.seed(0)
    for _ in range(3):
        check_consistency(
            transform(make_results(point_radius=2)), box_tol=1.0,
            point_tol=1.0)


def test_no_weak_labels_is_a_plain_resize():
    results = make_results()
    for key in ('gt_points', 'gt_points_labels', 'gt_bboxes'):
        results.pop(key)
    results = WeakResize(scale=(30, 20))(results)
    assert 'gt_points' not in results and results['gt_seg_map'].shape == (20, 30)
    # halving with nearest neighbour keeps every other row and column
    original = make_results()['gt_seg_map']
    np.testing.assert_array_equal(results['gt_seg_map'], original[::2, ::2])
