import cv2
import mmcv
import numpy as np
import pytest
from scipy import ndimage
from weak_sample import H, W, check_consistency, make_results

from mmlabeleff.datasets.transforms import WeakResize
from mmlabeleff.datasets.transforms.weak_resize import resize_sparse_label_map
from mmlabeleff.registry import TRANSFORMS
from mmlabeleff.structures import IGNORE_INDEX, UNLABELED_INDEX

EIGHT = np.ones((3, 3), dtype=bool)


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


def test_keep_ratio_keeps_sparse_values():
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


# ------------------------------------------------- sparse maps by label area
def _line_map(kind, height=120, width=160, label=3):
    """A sparse map holding one 1-pixel 8-connected line of ``label``."""
    sparse = np.full((height, width), UNLABELED_INDEX, np.uint8)
    if kind == 'horizontal':
        sparse[61, 7:150] = label
    elif kind == 'vertical':
        sparse[5:115, 83] = label
    elif kind == 'diagonal':
        cv2.line(sparse, (3, 110), (150, 9), label, 1, cv2.LINE_8)
    else:  # a curved line: an arc of an ellipse
        cv2.ellipse(sparse, (80, 60), (61, 43), 15, 20, 300, label, 1,
                    cv2.LINE_8)
    assert ndimage.label(sparse == label, structure=EIGHT)[1] == 1
    return sparse


def _resize_sparse(sparse, factor, mode='label_area'):
    results = dict(img=np.zeros(sparse.shape + (3, ), np.uint8),
                   gt_sparse_seg_map=sparse,
                   seg_fields=['gt_sparse_seg_map'])
    transform = WeakResize(scale_factor=factor, keep_ratio=True,
                           sparse_interpolation=mode)
    return transform(results)


LABEL_MODES = ('label_area', 'label_centre')


@pytest.mark.parametrize('mode', LABEL_MODES)
@pytest.mark.parametrize('kind',
                         ['horizontal', 'vertical', 'diagonal', 'curved'])
@pytest.mark.parametrize('factor', [0.5, 0.75])
def test_thin_line_stays_connected(kind, factor, mode):
    sparse = _line_map(kind)
    results = _resize_sparse(sparse, factor, mode)
    out = results['gt_sparse_seg_map']
    assert out.shape == results['img'].shape[:2]
    labelled = out == 3
    assert ndimage.label(labelled, structure=EIGHT)[1] == 1
    assert set(np.unique(out).tolist()) == {3, UNLABELED_INDEX}
    # about as many pixels as the line is long at this scale, at least
    length = factor * (sparse == 3).sum()
    assert labelled.sum() >= 0.9 * length
    # every output pixel holding a line pixel's centre is labelled
    rows, cols = np.nonzero(sparse == 3)
    out_h, out_w = out.shape
    assert labelled[((rows + 0.5) * out_h / sparse.shape[0]).astype(int),
                    ((cols + 0.5) * out_w / sparse.shape[1]).astype(int)].all()
    if mode == 'label_centre':  # one vote per pixel: never more pixels
        assert labelled.sum() <= (sparse == 3).sum()
        # and a line stays 1 pixel wide: no 2x2 block of labels
        block = (labelled[:-1, :-1].astype(int) + labelled[1:, :-1]
                 + labelled[:-1, 1:] + labelled[1:, 1:])
        assert block.max() < 4


@pytest.mark.parametrize('kind', ['horizontal', 'diagonal', 'curved'])
def test_nearest_breaks_thin_lines(kind):
    """What ``label_area`` fixes: nearest keeps about half the pixels of a
    line at 0.5x, often in pieces."""
    sparse = _line_map(kind)
    near = _resize_sparse(sparse, 0.5, 'nearest')['gt_sparse_seg_map']
    area = _resize_sparse(sparse, 0.5)['gt_sparse_seg_map']
    assert (near == 3).sum() < (area == 3).sum()
    if kind != 'horizontal':  # a horizontal line on an odd row vanishes
        assert ndimage.label(near == 3, structure=EIGHT)[1] > 1
    else:
        assert (near == 3).sum() == 0


@pytest.mark.parametrize('mode', LABEL_MODES)
@pytest.mark.parametrize('factor', [0.5, 0.75, 0.3])
def test_isolated_points_are_never_lost(factor, mode):
    rng = np.random.default_rng(0)
    height, width = 97, 131
    sparse = np.full((height, width), UNLABELED_INDEX, np.uint8)
    sparse[:, :9] = IGNORE_INDEX  # points next to and inside void
    rows, cols = np.meshgrid(np.arange(2, height - 3, 9),
                             np.arange(4, width - 3, 9),
                             indexing='ij')
    rows = (rows + rng.integers(0, 3, rows.shape)).ravel()
    cols = (cols + rng.integers(0, 3, cols.shape)).ravel()
    labels = rng.integers(0, 6, rows.size).astype(np.uint8)
    sparse[rows, cols] = labels
    results = _resize_sparse(sparse, factor, mode)
    out = results['gt_sparse_seg_map']
    out_h, out_w = out.shape
    assert (out_h, out_w) == results['img'].shape[:2]
    # each point sits at the output pixel of its centre, with its class
    at = out[((rows + 0.5) * out_h / height).astype(int),
             ((cols + 0.5) * out_w / width).astype(int)]
    np.testing.assert_array_equal(at, labels)
    if mode == 'label_centre':  # each point is exactly one pixel
        assert (out < UNLABELED_INDEX).sum() == rows.size
    near = _resize_sparse(sparse, factor, 'nearest')['gt_sparse_seg_map']
    assert (near < UNLABELED_INDEX).sum() < rows.size


@pytest.mark.parametrize('mode', LABEL_MODES)
def test_points_follow_gt_points(mode):
    """A point of ``gt_points`` and its pixel in the sparse map stay
    together (``floor(gt_points)``) at any scale."""
    for scale in [(41, 27), (30, 20), (19, 13), (13, 9)]:
        results = make_results()
        results['gt_sparse_seg_map'][:] = UNLABELED_INDEX
        for (x, y), label in zip(results['gt_points'],
                                 results['gt_points_labels']):
            results['gt_sparse_seg_map'][int(y), int(x)] = label
        results = WeakResize(scale=scale,
                             sparse_interpolation=mode)(results)
        sparse = results['gt_sparse_seg_map']
        for (x, y), label in zip(results['gt_points'],
                                 results['gt_points_labels']):
            assert sparse[int(y), int(x)] == label


def test_majority_of_the_labelled_pixels_wins():
    sparse = np.full((4, 4), UNLABELED_INDEX, np.uint8)
    sparse[0, 0] = 1  # block (0, 0): one pixel of 1, two of 2
    sparse[0, 1] = sparse[1, 0] = 2
    sparse[0, 2] = 5  # block (0, 1): a tie, the lower id wins
    sparse[1, 3] = 4
    sparse[2:, :2] = IGNORE_INDEX  # block (1, 0): ignore, no label
    sparse[3, 3] = IGNORE_INDEX  # block (1, 1): unlabeled (nearest)
    out = resize_sparse_label_map(sparse, (2, 2))
    np.testing.assert_array_equal(out, [[2, 4], [255, 254]])


def test_unlabeled_and_ignore_regions_resize_nearest():
    sparse = np.full((60, 90), UNLABELED_INDEX, np.uint8)
    sparse[:17] = IGNORE_INDEX
    sparse[40:, 55:] = IGNORE_INDEX
    for size in [(45, 30), (31, 23), (90, 20), (200, 100)]:
        np.testing.assert_array_equal(
            resize_sparse_label_map(sparse, size),
            mmcv.imresize(sparse, size, interpolation='nearest'))
    # a label on void's edge wins over void in its footprint
    sparse[17, 10:50] = 2
    out = resize_sparse_label_map(sparse, (30, 20))
    assert (out == 2).sum() == np.unique(np.arange(10, 50) // 3).size


def test_upscale_and_mixed_scales():
    sparse = np.full((40, 60), UNLABELED_INDEX, np.uint8)
    cv2.line(sparse, (2, 37), (57, 3), 3, 1, cv2.LINE_8)
    # upscaling is nearest in both modes
    for mode in ('label_area', 'nearest'):
        np.testing.assert_array_equal(
            resize_sparse_label_map(sparse, (120, 80), mode),
            mmcv.imresize(sparse, (120, 80), interpolation='nearest'))
    # one axis shrinks, the other grows: the line stays connected
    out = resize_sparse_label_map(sparse, (30, 70))
    assert out.shape == (70, 30)
    assert ndimage.label(out == 3, structure=EIGHT)[1] == 1
    with pytest.raises(ValueError, match='interpolation'):
        resize_sparse_label_map(sparse, (30, 20), 'bilinear')
    with pytest.raises(ValueError, match='sparse_interpolation'):
        WeakResize(scale=(30, 20), sparse_interpolation='area')


def test_only_sparse_keys_get_label_area():
    results = make_results()
    results['gt_sparse_seg_map'][11, 5:50] = 2  # a line on an even row...
    results['gt_sparse_seg_map'][10, 5:50] = UNLABELED_INDEX  # ...now odd
    dense = results['gt_seg_map'].copy()
    dense[11, :] = 1
    results['gt_seg_map'] = dense
    out = WeakResize(scale=(30, 20))(results)
    # the dense map is nearest (every other row and column)
    np.testing.assert_array_equal(out['gt_seg_map'], dense[::2, ::2])
    assert (out['gt_seg_map'] == 1).sum() < (dense[::2, ::2] != 255).sum()
    assert (out['gt_sparse_seg_map'][5] == 2).sum() == 23
    # sparse_keys chooses the maps; here none
    out = WeakResize(scale=(30, 20), sparse_keys=())(make_results())
    np.testing.assert_array_equal(
        out['gt_sparse_seg_map'],
        make_results()['gt_sparse_seg_map'][::2, ::2])


@pytest.mark.parametrize('size', [(480, 360), (333, 251)])
def test_output_size_is_the_image_size(size):
    sparse = np.full(size[::-1], UNLABELED_INDEX, np.uint8)
    cv2.ellipse(sparse, (size[0] // 2, size[1] // 2), (100, 70), 15, 20, 300,
                1, 1, cv2.LINE_8)
    for ratio in (0.375, 0.4567, 0.61, 0.75, 1.3):
        results = dict(img=np.zeros((size[1], size[0], 3), np.uint8),
                       gt_sparse_seg_map=sparse, gt_seg_map=sparse.copy(),
                       seg_fields=['gt_seg_map', 'gt_sparse_seg_map'])
        out = WeakResize(scale_factor=ratio, keep_ratio=True)(results)
        shape = out['img'].shape[:2]
        assert out['gt_sparse_seg_map'].shape == shape
        assert out['gt_seg_map'].shape == shape


def test_random_resize_passes_sparse_interpolation(mmlabeleff_scope):
    results = make_results(point_radius=2)
    results['gt_sparse_seg_map'][:] = UNLABELED_INDEX
    results['gt_sparse_seg_map'][5:35, 31] = 2  # an odd column
    kept = {}
    for mode in ('label_area', 'nearest'):
        transform = TRANSFORMS.build(
            dict(type='RandomResize', scale=(W // 2, H // 2),
                 ratio_range=(1.0, 1.0), resize_type='WeakResize',
                 keep_ratio=True, sparse_interpolation=mode))
        assert transform.resize.sparse_interpolation == mode
        out = transform(dict(results, gt_sparse_seg_map=results[
            'gt_sparse_seg_map'].copy()))
        kept[mode] = (out['gt_sparse_seg_map'] == 2).sum()
        check_consistency(out, box_tol=1.0)
    assert kept == {'label_area': 16, 'nearest': 0}


def test_label_centre_counts_each_pixel_once():
    sparse = np.full((6, 6), UNLABELED_INDEX, np.uint8)
    sparse[:, 1] = 1  # a vertical line straddling output columns 0 and 1
    sparse[4:, 4:] = IGNORE_INDEX
    # 6 -> 4: input columns 0, 1 have their centres in output column 0
    # and 1 (0.5 * 4 / 6 = 0.33, 1.5 * 4 / 6 = 1.0)
    area = resize_sparse_label_map(sparse, (4, 4))
    centre = resize_sparse_label_map(sparse, (4, 4), 'label_centre')
    assert (area[:, :2] == 1).all()  # label_area: the line is 2 px wide
    assert (centre[:, 1] == 1).all() and (centre[:, [0, 2, 3]] != 1).all()
    # the fallback samples under the output pixel's centre: void stays
    # void, and a labelled pixel counted elsewhere is never copied
    np.testing.assert_array_equal(centre[:, [0, 2]], 254)
    np.testing.assert_array_equal(centre[3, 3], 255)
    # label_centre equals label_area at integer factors
    line = _line_map('curved')
    np.testing.assert_array_equal(
        resize_sparse_label_map(line, (80, 60), 'label_centre'),
        resize_sparse_label_map(line, (80, 60)))
