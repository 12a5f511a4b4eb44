import numpy as np
import pytest
from weak_sample import BOXES, H, POINTS, W, check_consistency, make_results

from mmlabeleff.datasets.transforms import WeakPad


@pytest.mark.parametrize('padding_mode', ['constant', 'reflect'])
def test_pad_every_map_with_ignore(padding_mode):
    original = make_results()
    results = WeakPad(size_divisor=32, padding_mode=padding_mode)(
        make_results())
    assert results['img'].shape[:2] == (64, 64)
    for key in ('gt_seg_map', 'gt_sparse_seg_map'):
        padded = results[key]
        np.testing.assert_array_equal(padded[:H, :W], original[key])
        assert (padded[H:] == 255).all() and (padded[:, W:] == 255).all()
    np.testing.assert_array_equal(results['gt_bboxes'], BOXES)
    np.testing.assert_array_equal(results['gt_points'], POINTS)
    check_consistency(results, box_tol=0)


def test_pad_to_fixed_size():
    results = WeakPad(size=(64, 48))(make_results())
    assert results['gt_sparse_seg_map'].shape == (48, 64)
    assert results['pad_shape'][:2] == (48, 64)
