from unittest.mock import patch

import numpy as np
from weak_sample import H, W, assert_same_sample, check_consistency, make_results

from mmlabeleff.datasets.transforms import WeakRandomCrop


def test_crop_drops_boxes_and_points_outside():
    results = make_results()
    results['gt_ignore_flags'] = np.array([True, False])
    transform = WeakRandomCrop(crop_size=(30, 30))
    with patch.object(WeakRandomCrop, 'crop_bbox', return_value=(10, 40, 30, 60)):
        results = transform(results)
    original = make_results()
    for key in ('img', 'gt_seg_map', 'gt_sparse_seg_map'):  # rows 10:40, cols 30:60
        np.testing.assert_array_equal(results[key], original[key][10:40, 30:60])
    assert tuple(results['img_shape']) == (30, 30)
    np.testing.assert_array_equal(results['gt_bboxes'], [[2, 2, 26, 26]])
    assert results['gt_bboxes_labels'].tolist() == [2]
    assert results['gt_ignore_flags'].tolist() == [False]
    np.testing.assert_array_equal(results['gt_points'],
                                  [[10.5, 10.5], [27.5, 27.5]])
    assert results['gt_points_labels'].tolist() == [1, 3]
    assert results['gt_image_labels'].tolist() == [1, 1, 1, 1]  # tags kept
    check_consistency(results, box_tol=0)


def test_random_crops_stay_consistent():
    np.random.seed(1)
    transform = WeakRandomCrop(crop_size=(17, 23))
    for _ in range(20):
        results = transform(make_results())
        check_consistency(results, box_tol=0)
        assert _window_of(results['img'], make_results()['img'])


def test_crop_larger_than_image_does_not_pad():
    results = WeakRandomCrop(crop_size=(64, 64))(make_results())
    assert results['img'].shape[:2] == (H, W)
    # the whole image is the crop: nothing changes
    assert_same_sample(results, make_results())


def test_cat_max_ratio_uses_the_sparse_map_without_a_dense_one():
    np.random.seed(0)
    transform = WeakRandomCrop(crop_size=(20, 20), cat_max_ratio=0.75)
    results = make_results()
    results.pop('gt_seg_map')
    results['seg_fields'].remove('gt_seg_map')
    with patch('numpy.unique', wraps=np.unique) as unique:
        results = transform(results)
    assert unique.called
    assert results['gt_sparse_seg_map'].shape == (20, 20)
    # the crop is a window of the original map
    assert _window_of(results['gt_sparse_seg_map'],
                      make_results()['gt_sparse_seg_map'])
    # Neither map: the ratio is skipped, the crop still happens.
    results = make_results()
    for key in ('gt_seg_map', 'gt_sparse_seg_map'):
        results.pop(key)
        results['seg_fields'].remove(key)
    assert transform(results)['img'].shape[:2] == (20, 20)


def _window_of(crop, full):
    """Whether ``crop`` equals some window of ``full``."""
    h, w = crop.shape[:2]
    return any(np.array_equal(full[y:y + h, x:x + w], crop)
               for y in range(full.shape[0] - h + 1)
               for x in range(full.shape[1] - w + 1))


def test_randomness_can_be_cached_as_upstream():
    from mmcv.transforms.utils import cache_random_params
    from mmseg.datasets.transforms import RandomCrop
    assert RandomCrop._methods_with_randomness == ['crop_bbox']
    assert WeakRandomCrop._methods_with_randomness == ['crop_bbox']
    transform = WeakRandomCrop(crop_size=(20, 20))
    with cache_random_params(transform):
        first = transform(make_results())
        second = transform(make_results())
    np.testing.assert_array_equal(first['img'], second['img'])
    np.testing.assert_array_equal(first['gt_points'], second['gt_points'])
