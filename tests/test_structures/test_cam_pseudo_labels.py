"""SPML's CAM pseudo labels of tag and box images against a per-pixel
reference."""
import numpy as np
import pytest
import torch

from mmlabeleff.structures import UNLABELED_INDEX, cam_box_labels, cam_tag_labels


def _reference_pixel(scores, classes, alpha, threshold, plane):
    """One pixel: [(1 - max) ** alpha, scores] / sum, arg-max, threshold."""
    top = max(scores) if scores else 0.0
    stack = [(1 - top) ** alpha] + list(scores)
    total = sum(stack)
    probs = [s / total for s in stack]
    best = int(np.argmax(probs))
    if probs[best] < threshold:
        return UNLABELED_INDEX
    return ([plane] + list(classes))[best]


@pytest.mark.parametrize('background_index', [None, 0])
def test_tag_labels_match_a_per_pixel_reference(background_index):
    gen = torch.Generator().manual_seed(0)
    cams = torch.rand(3, 9, 11, generator=gen) ** 2
    classes = [1, 4, 7]
    out = cam_tag_labels(cams, classes, alpha=6, threshold=0.2,
                         background_index=background_index)
    plane = UNLABELED_INDEX if background_index is None else background_index
    for r in range(9):
        for c in range(11):
            expect = _reference_pixel(cams[:, r, c].tolist(), classes, 6, 0.2,
                                      plane)
            assert out[r, c] == expect
    # every outcome occurs on these inputs
    assert {int(v) for v in out.unique()} >= {1, 4, 7, plane}


def test_tag_threshold_acts_on_probabilities():
    # two equally strong CAMs: each has probability ~1/2, so 0.2 keeps them
    # and 0.6 makes them unlabeled; the raw scores (1.0) would pass both
    cams = torch.ones(2, 1, 1)
    assert cam_tag_labels(cams, [2, 3], threshold=0.2)[0, 0] == 2
    assert cam_tag_labels(cams, [2, 3], threshold=0.6)[0, 0] == UNLABELED_INDEX
    # a weak CAM loses to the background score: background or unlabeled
    weak = torch.full((1, 1, 1), 0.05)
    assert cam_tag_labels(weak, [2], background_index=0)[0, 0] == 0
    assert cam_tag_labels(weak, [2])[0, 0] == UNLABELED_INDEX
    # no CAM at all: every pixel is background / unlabeled
    none = cam_tag_labels(torch.zeros(0, 2, 3), [], background_index=0)
    assert (none == 0).all()


def test_box_labels_normalise_inside_each_box():
    cams = torch.zeros(2, 6, 8)
    cams[0] = 0.1  # class 3: weak everywhere, but its box normalises it
    cams[0, 1:3, 1:3] = 0.2
    cams[1, :, 4:] = torch.linspace(0, 1, 4)  # class 5: a ramp in its box
    boxes = torch.tensor([[1., 1., 3., 4.], [4., 0., 8., 6.]])
    out = cam_box_labels(cams, [3, 5], boxes, [3, 5], threshold=0.5,
                         background_index=0)
    # inside box 1 (cols 1-2, rows 1-3): the 0.2 pixels are 1 after
    # normalisation -> class 3; the 0.1 row is 0 -> background wins
    assert (out[1:3, 1:3] == 3).all()
    assert (out[3, 1:3] == 0).all()
    # box 2: the ramp 0, 1/3, 2/3, 1 -> low values go to the background
    # score; the top columns are class 5
    assert (out[:, 7] == 5).all() and (out[:, 6] == 5).all()
    expect_col4 = _reference_pixel([0.0, 0.0], [3, 5], 6, 0.5, 0)
    assert (out[:, 4] == expect_col4).all()
    # outside every box: background, or unlabeled without a background
    assert (out[:, 0] == 0).all() and (out[0, 1:4] == 0).all()
    no_bg = cam_box_labels(cams, [3, 5], boxes, [3, 5])
    assert (no_bg[:, 0] == UNLABELED_INDEX).all()
    assert (no_bg[1:3, 1:3] == 3).all()


def test_box_labels_overlap_and_missing_cam():
    cams = torch.zeros(2, 4, 4)
    cams[0, :, :2] = 1.0
    cams[1, :, 2:] = 1.0
    cams[0, :, 2:] = 0.5
    cams[1, :, :2] = 0.5
    # two boxes over the whole image: each pixel takes the stronger class
    boxes = torch.tensor([[0., 0., 4., 4.], [0., 0., 4., 4.]])
    out = cam_box_labels(cams, [1, 2], boxes, [1, 2], threshold=0.5)
    assert (out[:, :2] == 1).all() and (out[:, 2:] == 2).all()
    # a box of a class without a CAM stays unlabeled inside, even with a
    # background class
    out = cam_box_labels(cams, [1, 2], torch.tensor([[0., 0., 2., 2.]]), [6],
                         background_index=0)
    assert (out[:2, :2] == UNLABELED_INDEX).all() and out[3, 3] == 0
    # box edges: pixels whose centres lie inside; a box past the border
    out = cam_box_labels(cams[:1], [1], torch.tensor([[1.4, 0., 9., 9.]]),
                         [1], background_index=0)
    assert (out[:, 0] == 0).all() and (out[:, 1] == 1).all()


def test_bad_arguments_raise():
    cams = torch.zeros(2, 3, 3)
    with pytest.raises(ValueError, match='must be \\(T, H, W\\) for 1 labels'):
        cam_tag_labels(cams, [1])
    with pytest.raises(ValueError, match='alpha'):
        cam_tag_labels(cams, [1, 2], alpha=0)
    with pytest.raises(ValueError, match='threshold'):
        cam_tag_labels(cams, [1, 2], threshold=1.5)
    with pytest.raises(ValueError, match='2 boxes but 1 box labels'):
        cam_box_labels(cams, [1, 2], torch.zeros(2, 4), [1])
    with pytest.raises(ValueError, match='boxes must be finite'):
        cam_box_labels(cams, [1, 2], torch.tensor([[0., 0., float('nan'), 2.]]),
                       [1])
