import numpy as np
import pytest
from weak_sample import H, POINTS, W, check_consistency, make_results

from mmlabeleff.datasets.transforms import WeakRandomFlip
from mmlabeleff.registry import TRANSFORMS


@pytest.mark.parametrize('direction', ['horizontal', 'vertical', 'diagonal'])
def test_flip_keeps_points_on_their_pixel(direction):
    original = make_results()
    results = WeakRandomFlip(prob=1.0, direction=direction)(make_results())
    assert results['flip'] and results['flip_direction'] == direction
    check_consistency(results, box_tol=0)
    # Pixel (c, r) goes to (W - 1 - c, r) horizontally.
    cols, rows = POINTS[:, 0].astype(int), POINTS[:, 1].astype(int)
    if direction in ('horizontal', 'diagonal'):
        cols = W - 1 - cols
    if direction in ('vertical', 'diagonal'):
        rows = H - 1 - rows
    np.testing.assert_array_equal(
        results['gt_points'].astype(int), np.stack([cols, rows], 1))
    flipped = np.flip(original['gt_sparse_seg_map'],
                      {'horizontal': 1, 'vertical': 0, 'diagonal': (0, 1)}
                      [direction])
    np.testing.assert_array_equal(results['gt_sparse_seg_map'], flipped)


def test_no_flip_leaves_everything(mmlabeleff_scope):
    transform = TRANSFORMS.build(dict(type='WeakRandomFlip', prob=0.0))
    results = transform(make_results())
    assert not results['flip']
    np.testing.assert_array_equal(results['gt_points'], POINTS)
