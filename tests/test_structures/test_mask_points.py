"""Tests of :mod:`mmlabeleff.structures.mask_points`."""
import numpy as np

from mmlabeleff.structures.mask_points import (
    interior_point,
    object_regions,
    points_from_masks,
)


def test_interior_point_is_the_deepest_pixel():
    region = np.zeros((9, 15), bool)
    region[1:8, 2:13] = True
    assert interior_point(region) == (4, 7)
    speck = np.zeros((5, 5), bool)
    speck[0, 4] = True
    assert interior_point(speck) == (0, 4)


def test_object_regions_put_background_first():
    cls = np.zeros((6, 6), np.uint8)
    cls[1:3, 1:3] = 5
    cls[4:6, 4:6] = 255
    regions = object_regions(cls, min_area=1)
    assert [label for label, _ in regions] == [0, 5]
    assert [label for label, _ in object_regions(cls, background=False)] == [5]


def test_mask_points_use_instances_and_clip_dilation():
    cls = np.zeros((20, 30), np.uint8)
    cls[2:8, 2:10] = 1
    cls[12:18, 15:28] = 1
    inst = np.zeros_like(cls)
    inst[2:8, 2:10] = 1
    inst[12:18, 15:28] = 2
    label_map, points = points_from_masks(cls, inst, dilation=5)
    assert sorted(p['point_label'] for p in points) == [0, 1, 1]  # 2 instances
    assert (label_map[cls == 0] != 1).all()  # dilated points stay inside
    # without instances the two blobs are two components: same points
    _, by_components = points_from_masks(cls, None)
    assert sorted(by_components, key=str) == sorted(points, key=str)
    # a small speck gets no point unless it is the class's largest region
    cls[0, 29] = 1
    _, points = points_from_masks(cls, None, min_area=4)
    assert sorted(p['point_label'] for p in points) == [0, 1, 1]
    _, points = points_from_masks(cls, None, min_area=4, background=False)
    assert sorted(p['point_label'] for p in points) == [1, 1]
