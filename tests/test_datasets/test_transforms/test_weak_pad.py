import numpy as np
import pytest
from weak_sample import BOXES, POINTS, H, W, check_consistency, make_results

from mmlabeleff.datasets.transforms import WeakPad


@pytest.mark.parametrize('padding_mode', ['constant', 'reflect'])
def test_pad_every_map_with_ignore(padding_mode):
    original = make_results()
    results = WeakPad(size_divisor=32, padding_mode=padding_mode)(
        make_results())
    assert results['img'].shape[:2] == (64, 64)
    assert results['pad_shape'][:2] == (64, 64)
    np.testing.assert_array_equal(results['img'][:H, :W], original['img'])
    if padding_mode == 'constant':  # the image is padded with 0
        assert (results['img'][H:] == 0).all()
        assert (results['img'][:, W:] == 0).all()
    else:  # reflected without repeating the edge
        np.testing.assert_array_equal(results['img'][H, :W],
                                      original['img'][H - 2])
        np.testing.assert_array_equal(results['img'][:H, W],
                                      original['img'][:, W - 2])
    for key in ('gt_seg_map', 'gt_sparse_seg_map'):
        padded = results[key]
        np.testing.assert_array_equal(padded[:H, :W], original[key])
        assert (padded[H:] == 255).all() and (padded[:, W:] == 255).all()
    np.testing.assert_array_equal(results['gt_bboxes'], BOXES)
    np.testing.assert_array_equal(results['gt_points'], POINTS)
    check_consistency(results, box_tol=0)


def test_pad_to_fixed_size():
    original = make_results()
    results = WeakPad(size=(64, 48))(make_results())
    assert results['gt_sparse_seg_map'].shape == (48, 64)
    assert results['pad_shape'][:2] == (48, 64)
    for key in ('img', 'gt_seg_map', 'gt_sparse_seg_map', 'aux_points'):
        np.testing.assert_array_equal(results[key][:H, :W], original[key])
    assert (results['gt_sparse_seg_map'][H:] == 255).all()
    np.testing.assert_array_equal(results['gt_points'], POINTS)
