"""DrawPointLabels: disks at training resolution, void kept, no-op otherwise."""
import numpy as np
import pytest

from mmlabeleff.datasets.transforms import DrawPointLabels


def _results(points, labels, sparse=None, shape=(10, 12)):
    results = dict(img=np.zeros((*shape, 3), np.uint8),
                   gt_points=np.asarray(points, np.float32).reshape(-1, 2),
                   gt_points_labels=np.asarray(labels, np.int64))
    if sparse is not None:
        results['gt_sparse_seg_map'] = sparse
        results['seg_fields'] = ['gt_sparse_seg_map']
    return results


def test_radius_zero_draws_the_floor_pixel():
    out = DrawPointLabels(0)(_results([[3.5, 2.5], [0.2, 9.9]], [4, 7]))
    sparse = out['gt_sparse_seg_map']
    assert sparse[2, 3] == 4 and sparse[9, 0] == 7
    assert (sparse < 254).sum() == 2
    assert out['seg_fields'] == ['gt_sparse_seg_map']


def test_disk_and_void_and_nearest_point_wins():
    sparse = np.full((10, 12), 254, np.uint8)
    sparse[:, 0] = 255  # void column is kept
    sparse[5, 5] = 2  # an old label is reset
    out = DrawPointLabels(2)(_results([[1.5, 4.5], [4.5, 4.5]], [1, 3], sparse))
    m = out['gt_sparse_seg_map']
    assert (m[:, 0] == 255).all()
    assert m[4, 1] == 1 and m[4, 4] == 3 and m[2, 1] == 1
    # (4, 2) lies in both disks, nearer point 1; (4, 3) nearer point 2
    assert m[4, 2] == 1 and m[4, 3] == 3
    assert m[5, 5] != 2
    # a radius-2 disk has 13 pixels; point 2's gives (4, 2) to point 1
    assert (m == 3).sum() == 12
    assert m[4, 6] == 3 and m[4, 7] == 254


def test_points_outside_are_skipped_and_no_points_is_a_no_op():
    out = DrawPointLabels(1)(_results([[50.0, 2.0]], [1]))
    assert (out['gt_sparse_seg_map'] == 254).all()
    sparse = np.full((4, 4), 254, np.uint8)
    sparse[1, 1] = 3
    results = dict(img=np.zeros((4, 4, 3), np.uint8), gt_sparse_seg_map=sparse)
    assert DrawPointLabels(3)(results)['gt_sparse_seg_map'][1, 1] == 3


def test_errors():
    with pytest.raises(ValueError):
        DrawPointLabels(-1)
    with pytest.raises(ValueError, match='differs'):
        DrawPointLabels(1)(_results([[1.0, 1.0]], [0],
                                    np.full((3, 3), 254, np.uint8)))

