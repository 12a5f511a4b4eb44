import numpy as np
import pytest
from weak_sample import H, W, assert_same_sample, check_consistency, make_results

from mmlabeleff.datasets.transforms import WeakRandomRotate
from mmlabeleff.registry import TRANSFORMS


def test_quarter_turn_is_exact_and_drops_what_leaves():
    results = make_results()
    # A point near the left edge rotates out of the 40x60 frame.
    results['gt_points'] = np.concatenate(
        [results['gt_points'], [[1.5, 20.5]]]).astype(np.float32)
    results['gt_points_labels'] = np.append(results['gt_points_labels'], 2)
    results['aux_points'][20, 1] = 3
    results = WeakRandomRotate(prob=1.0, degree=(90, 90))(results)
    assert 2 not in results['gt_points_labels']
    check_consistency(results, box_tol=1e-4)
    assert (results['gt_sparse_seg_map'][:, :10] == 255).all()  # fill value


@pytest.mark.parametrize('degree', [30, -45, 170])
def test_rotation_keeps_labels_consistent(degree):
    transform = WeakRandomRotate(prob=1.0, degree=(degree, degree))
    results = transform(make_results(point_radius=1))
    check_consistency(results, box_tol=1.5, point_tol=1.0, exact_drops=False)
    assert 255 in results['gt_sparse_seg_map']
    assert 255 in results['gt_seg_map']


def test_auto_bound_keeps_everything_and_updates_img_shape(mmlabeleff_scope):
    transform = TRANSFORMS.build(
        dict(type='WeakRandomRotate', prob=1.0, degree=(90, 90),
             auto_bound=True))
    results = transform(make_results())
    assert results['img'].shape[:2] == (W, H)
    assert len(results['gt_points']) == 3 and len(results['gt_bboxes']) == 2
    check_consistency(results, box_tol=1e-4)


def test_box_rotated_out_of_view_is_dropped():
    results = make_results()
    results['gt_ignore_flags'] = np.array([False, True])
    results = WeakRandomRotate(
        prob=1.0, degree=(90, 90), center=(5.0, 35.0))(results)
    check_consistency(results, box_tol=1e-4)
    assert results['gt_bboxes_labels'].tolist() == [1]
    assert results['gt_ignore_flags'].tolist() == [False]
    np.testing.assert_array_equal(results['gt_bboxes'], [[21, 35, 37, 40]])
    assert len(results['gt_points']) == 0


@pytest.mark.parametrize('auto_bound', [False, True])
def test_no_rotation_returns_the_input_unchanged(auto_bound):
    transform = WeakRandomRotate(prob=0.0, degree=30, auto_bound=auto_bound)
    for seed in range(5):  # whatever the random angle would have been
        np.random.seed(seed)
        results = transform(make_results(point_radius=1))
        # image, dense and sparse maps, boxes, points, tags: identical
        assert_same_sample(results, make_results(point_radius=1))
