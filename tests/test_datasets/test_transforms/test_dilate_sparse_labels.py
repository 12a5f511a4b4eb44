"""DilateSparseLabels: nearest label within the radius, 255 untouched."""
import numpy as np
import pytest

from mmlabeleff.datasets.transforms import DilateSparseLabels


def test_dilation_by_distance():
    sparse = np.full((9, 9), 254, dtype=np.uint8)
    sparse[4, 1] = 2
    sparse[4, 7] = 5
    sparse[0, :] = 255
    out = DilateSparseLabels(radius=2)(dict(gt_sparse_seg_map=sparse))
    result = out['gt_sparse_seg_map']
    assert result[4, 3] == 2 and result[4, 5] == 5  # 2 px away
    assert result[4, 4] == 254  # 3 px from both
    assert result[2, 1] == 2 and result[1, 1] == 254  # distance 2 / 3
    assert (result[0] == 255).all()  # ignore stays
    assert sparse[4, 3] == 254  # input untouched


def test_noop_cases():
    assert DilateSparseLabels(3)(dict(img=1)) == dict(img=1)
    empty = np.full((4, 4), 254, dtype=np.uint8)
    out = DilateSparseLabels(3)(dict(gt_sparse_seg_map=empty))
    assert (out['gt_sparse_seg_map'] == 254).all()
    with pytest.raises(ValueError, match='radius'):
        DilateSparseLabels(-1)
