"""A synthetic weakly-labelled sample and a geometric-consistency check.

Every box and point is also painted into an auxiliary label map registered in
``seg_fields`` (``aux_box<label>``: 1 inside the box; ``aux_points``:
``label + 1`` on a ``(2r + 1)^2`` block centred on the point's pixel). The
maps follow the image through every transform with nearest interpolation, so
after a transform the boxes must still enclose their painted regions tightly
and the points must sit on their painted pixels.
"""
import numpy as np

from mmlabeleff.structures import IGNORE_INDEX, UNLABELED_INDEX

H, W, K = 40, 60, 4
BOXES = np.array([[5, 4, 25, 20], [32, 12, 56, 36]], np.float32)
BOX_LABELS = np.array([1, 2], np.int64)
# Continuous coordinates: the centres of pixels (10, 8), (40, 20), (57, 37).
POINTS = np.array([[10.5, 8.5], [40.5, 20.5], [57.5, 37.5]], np.float32)
POINT_LABELS = np.array([0, 1, 3], np.int64)


def make_results(point_radius: int = 0, seed: int = 0) -> dict:
    """A 40x60 sample with every label type and the auxiliary maps."""
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 256, (H, W, 3), dtype=np.uint8)
    dense = np.repeat((np.arange(W) // 15 % K)[None], H, 0).astype(np.uint8)
    dense[:2] = IGNORE_INDEX
    sparse = np.full((H, W), UNLABELED_INDEX, np.uint8)
    sparse[10, 5:50] = 1
    sparse[5:35, 30] = 2
    sparse[25, 40:58] = 3
    sparse[38] = IGNORE_INDEX
    results = dict(
        img=img, img_shape=(H, W), ori_shape=(H, W), img_path='synthetic.png',
        gt_seg_map=dense, gt_sparse_seg_map=sparse,
        gt_image_labels=np.array([1, 1, 1, 1], np.float32),
        gt_bboxes=BOXES.copy(), gt_bboxes_labels=BOX_LABELS.copy(),
        gt_ignore_flags=np.array([False, False]),
        gt_points=POINTS.copy(), gt_points_labels=POINT_LABELS.copy(),
        seg_fields=['gt_seg_map', 'gt_sparse_seg_map'], num_classes=K)
    for box, label in zip(BOXES.astype(int), BOX_LABELS):
        aux = np.zeros((H, W), np.uint8)
        aux[box[1]:box[3], box[0]:box[2]] = 1
        results[f'aux_box{label}'] = aux
        results['seg_fields'].append(f'aux_box{label}')
    aux = np.zeros((H, W), np.uint8)
    r = point_radius
    for (x, y), label in zip(POINTS.astype(int), POINT_LABELS):
        aux[max(y - r, 0):y + r + 1, max(x - r, 0):x + r + 1] = label + 1
    results['aux_points'] = aux
    results['seg_fields'].append('aux_points')
    return results


def check_consistency(results: dict, box_tol: float = 1.0,
                      point_tol: float = None, exact_drops: bool = True):
    """Assert that maps, boxes and points still agree with each other.

    Args:
        results (dict): Transformed results of :func:`make_results`.
        box_tol (float): Largest gap between a box and the tight box of its
            painted region, in pixels.
        point_tol (float, optional): When given, the largest distance from a
            point to the centroid of its painted block (blocks off the border
            only).
        exact_drops (bool): Whether a box / point must be kept exactly when
            some of its painted pixels survived.
    """
    img = results['img']
    shape = img.shape[:2]
    assert tuple(results['img_shape']) == shape
    for key in results['seg_fields']:
        assert results[key].shape == shape, key
    sparse_values = set(np.unique(results['gt_sparse_seg_map']).tolist())
    assert sparse_values <= set(range(K)) | {UNLABELED_INDEX, IGNORE_INDEX}
    assert set(np.unique(results['gt_seg_map']).tolist()) <= set(
        range(K)) | {IGNORE_INDEX}

    boxes, labels = results['gt_bboxes'], results['gt_bboxes_labels']
    assert boxes.dtype == np.float32 and boxes.shape == (len(labels), 4)
    assert len(results['gt_ignore_flags']) == len(labels)
    assert (boxes[:, 0::2] >= 0).all() and (boxes[:, 0::2] <= shape[1]).all()
    assert (boxes[:, 1::2] >= 0).all() and (boxes[:, 1::2] <= shape[0]).all()
    for label in BOX_LABELS:
        rows, cols = np.nonzero(results[f'aux_box{label}'] == 1)
        kept = np.nonzero(labels == label)[0]
        if len(rows) == 0:
            if exact_drops:
                assert len(kept) == 0, f'box {label} kept without its region'
            continue
        assert len(kept) == 1, f'box {label} dropped though visible'
        tight = np.array(
            [cols.min(), rows.min(), cols.max() + 1, rows.max() + 1])
        np.testing.assert_allclose(boxes[kept[0]], tight, atol=box_tol)

    points, labels = results['gt_points'], results['gt_points_labels']
    assert points.dtype == np.float32 and points.shape == (len(labels), 2)
    aux = results['aux_points']
    for (x, y), label in zip(points, labels):
        assert 0 <= x < shape[1] and 0 <= y < shape[0]
        assert aux[int(y), int(x)] == label + 1, f'point {label} off its pixel'
        rows, cols = np.nonzero(aux == label + 1)
        on_border = (rows.min() == 0 or cols.min() == 0
                     or rows.max() == shape[0] - 1
                     or cols.max() == shape[1] - 1)
        if point_tol is not None and not on_border:
            centroid = np.array([cols.mean(), rows.mean()]) + 0.5
            assert np.abs(centroid - (x, y)).max() <= point_tol
    if exact_drops:
        visible = {v - 1 for v in np.unique(aux).tolist() if 0 < v <= K}
        assert visible == set(labels.tolist())


def assert_same_sample(actual: dict, expected: dict):
    """Assert that every field of ``expected`` is unchanged in ``actual``.

    Arrays must have the same dtype, shape and values; other values must
    compare equal. ``actual`` may hold more keys (flags a transform adds).
    """
    for key, value in expected.items():
        assert key in actual, f'{key} was dropped'
        if isinstance(value, np.ndarray):
            assert actual[key].dtype == value.dtype, key
            np.testing.assert_array_equal(actual[key], value, err_msg=key)
        else:
            assert actual[key] == value, key
