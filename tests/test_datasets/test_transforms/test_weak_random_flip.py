import numpy as np
import pytest
from weak_sample import (
    POINTS,
    H,
    W,
    assert_same_sample,
    check_consistency,
    make_results,
)

from mmlabeleff.datasets.transforms import WeakRandomFlip
from mmlabeleff.registry import TRANSFORMS


@pytest.mark.parametrize('direction', ['horizontal', 'vertical', 'diagonal'])
def test_flip_keeps_points_on_their_pixel(direction):
    original = make_results()
    results = WeakRandomFlip(prob=1.0, direction=direction)(make_results())
    assert results['flip'] and results['flip_direction'] == direction
    check_consistency(results, box_tol=0)
    # Continuous x goes to W - x horizontally: pixel c to W - 1 - c.
    expected = POINTS.copy()
    if direction in ('horizontal', 'diagonal'):
        expected[:, 0] = W - expected[:, 0]
    if direction in ('vertical', 'diagonal'):
        expected[:, 1] = H - expected[:, 1]
    np.testing.assert_array_equal(results['gt_points'], expected)
    assert results['gt_points_labels'].tolist() == [0, 1, 3]
    axis = {'horizontal': 1, 'vertical': 0, 'diagonal': (0, 1)}[direction]
    for key in ('img', 'gt_seg_map', 'gt_sparse_seg_map'):
        np.testing.assert_array_equal(results[key],
                                      np.flip(original[key], axis), key)
    assert results['gt_image_labels'].tolist() == [1, 1, 1, 1]


def test_no_flip_leaves_everything(mmlabeleff_scope):
    transform = TRANSFORMS.build(dict(type='WeakRandomFlip', prob=0.0))
    results = transform(make_results())
    assert not results['flip']
    assert_same_sample(results, make_results())
