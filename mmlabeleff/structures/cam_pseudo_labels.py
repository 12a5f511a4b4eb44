"""Sparse pseudo labels from CAMs: SPML's route for image tags and boxes.

SPML (Ke, Hwang and Yu, ICLR 2021; github.com/twke18/SPML, MIT, README
"Data Preparation" 5) turns the class activation maps of a tag classifier
into the semantic-annotation labels of tag and box images:

- **tags** (``seam_a6_th0.2``): the CAMs of the image's classes (each with
  maximum ~1) are stacked under a background score
  ``(1 - max_c CAM_c) ** alpha`` (``alpha = 6``, Ahn and Kwak, CVPR 2018),
  the scores are normalised to probabilities over the stack, each pixel
  takes the arg-max, and pixels whose probability is below ``threshold``
  (0.2) are unlabeled;
- **boxes** (``seambox_a6_th0.5``): each box's CAM of its class is
  normalised to [0, 1] inside the box (min-max), a pixel's class score is
  the largest over the boxes of that class that hold it, the same
  background score and probabilities follow with ``threshold`` 0.5, and
  every pixel outside all boxes is background.

Choices where the public text is silent (the conversion script is not in
the public code): "probability" is read as the scores normalised by their
sum -- the raw scores cannot fall below 0.2 with ``alpha = 6``
(``max(m, (1 - m) ** 6) >= 0.208``), so the threshold must act on
normalised scores; "normalise within each box" is min-max over the box's
pixels (a box whose CAM is constant gets score 1, i.e. the whole box is
the class). On a dataset without a background class (CamVid, MSRC-21) the
background score stands for "none of the image's classes": pixels where it
wins, and pixels outside every box, are unlabeled instead.
"""
import math
from typing import Optional, Sequence

import torch
from torch import Tensor

from mmlabeleff.structures.label_convention import UNLABELED_INDEX

__all__ = ['cam_tag_labels', 'cam_box_labels']


def _check(cams: Tensor, labels: Sequence[int], alpha: float,
           threshold: float) -> None:
    if cams.dim() != 3 or cams.shape[0] != len(labels):
        raise ValueError(f'cams {tuple(cams.shape)} must be (T, H, W) for '
                         f'{len(labels)} labels')
    if not alpha > 0:
        raise ValueError(f'alpha must be > 0, got {alpha}')
    if not 0 <= threshold <= 1:
        raise ValueError(f'threshold must lie in [0, 1], got {threshold}')


def _label_scores(scores: Tensor, classes: Sequence[int], alpha: float,
                  threshold: float, background_index: Optional[int],
                  unlabeled_index: int) -> Tensor:
    """Arg-max of ``[(1 - max) ** alpha; scores]`` normalised to sum 1,
    ``unlabeled_index`` below ``threshold``."""
    plane = background_index if background_index is not None else unlabeled_index
    lut = torch.tensor([plane] + [int(c) for c in classes], dtype=torch.long,
                       device=scores.device)
    scores = scores.float().clamp(0, 1)
    if scores.shape[0]:
        top = scores.max(dim=0, keepdim=True)[0]
    else:
        top = scores.new_zeros((1, ) + scores.shape[1:])
    stack = torch.cat([(1 - top).pow(alpha), scores])
    probs = stack / stack.sum(dim=0, keepdim=True).clamp_min(1e-12)
    conf, index = probs.max(dim=0)
    out = lut[index]
    out[conf < threshold] = unlabeled_index
    return out


def cam_tag_labels(cams: Tensor,
                   labels: Sequence[int],
                   alpha: float = 6.0,
                   threshold: float = 0.2,
                   background_index: Optional[int] = None,
                   unlabeled_index: int = UNLABELED_INDEX) -> Tensor:
    """SPML's sparse labels of an image-tag image from its CAMs.

    Args:
        cams (Tensor): ``(T, H, W)`` CAMs of the image's tags, each with
            maximum ~1 (the CAM stage's dump).
        labels (Sequence[int]): The class id of each CAM.
        alpha (float): Power of the background score. Defaults to 6.
        threshold (float): Pixels whose probability is below it are
            unlabeled. Defaults to 0.2.
        background_index (int, optional): The background class, or None
            (the background score then marks unlabeled pixels).
        unlabeled_index (int): Label of unlabeled pixels. Defaults to 254.

    Returns:
        Tensor: ``(H, W)`` int64 class ids and ``unlabeled_index``.
    """
    _check(cams, labels, alpha, threshold)
    return _label_scores(cams, labels, alpha, threshold, background_index,
                         unlabeled_index)


def cam_box_labels(cams: Tensor,
                   labels: Sequence[int],
                   bboxes: Tensor,
                   bbox_labels: Sequence[int],
                   alpha: float = 6.0,
                   threshold: float = 0.5,
                   background_index: Optional[int] = None,
                   unlabeled_index: int = UNLABELED_INDEX) -> Tensor:
    """SPML's sparse labels of a box image from its CAMs and boxes.

    Args:
        cams (Tensor): ``(T, H, W)`` CAMs of the image's classes.
        labels (Sequence[int]): The class id of each CAM.
        bboxes (Tensor): ``(N, 4)`` boxes ``x1, y1, x2, y2`` in pixels
            (pixel edges, as ``gt_bboxes``); the pixels whose centres lie
            inside a box belong to it.
        bbox_labels (Sequence[int]): The class of each box. A box whose
            class has no CAM is left unlabeled inside.
        alpha (float): Power of the background score. Defaults to 6.
        threshold (float): Pixels inside boxes whose probability is below
            it are unlabeled. Defaults to 0.5.
        background_index (int, optional): The background class (outside
            every box), or None (outside is unlabeled).
        unlabeled_index (int): Label of unlabeled pixels. Defaults to 254.

    Returns:
        Tensor: ``(H, W)`` int64 class ids and ``unlabeled_index``.
    """
    _check(cams, labels, alpha, threshold)
    bboxes = torch.as_tensor(bboxes, dtype=torch.float32).reshape(-1, 4)
    bbox_labels = [int(c) for c in bbox_labels]
    if len(bbox_labels) != bboxes.shape[0]:
        raise ValueError(f'{bboxes.shape[0]} boxes but {len(bbox_labels)} '
                         'box labels')
    if not torch.isfinite(bboxes).all():
        raise ValueError(f'boxes must be finite, got {bboxes.tolist()}')
    height, width = cams.shape[1:]
    cam_of = {int(c): i for i, c in enumerate(labels)}
    classes = sorted(set(bbox_labels))
    scores = cams.new_zeros((len(classes), height, width), dtype=torch.float32)
    inside_any = torch.zeros((height, width), dtype=torch.bool,
                             device=cams.device)
    scored = torch.zeros_like(inside_any)
    for box, cls in zip(bboxes.tolist(), bbox_labels):
        # the pixels whose centres (c + 0.5, r + 0.5) lie in the box
        x1 = max(math.ceil(box[0] - 0.5), 0)
        y1 = max(math.ceil(box[1] - 0.5), 0)
        x2 = min(math.floor(box[2] - 0.5) + 1, width)
        y2 = min(math.floor(box[3] - 0.5) + 1, height)
        if x2 <= x1 or y2 <= y1:
            continue
        inside_any[y1:y2, x1:x2] = True
        if cls not in cam_of:
            continue
        scored[y1:y2, x1:x2] = True
        region = cams[cam_of[cls], y1:y2, x1:x2].float()
        low, high = region.min(), region.max()
        norm = ((region - low) / (high - low) if high > low else
                torch.ones_like(region))
        slot = scores[classes.index(cls), y1:y2, x1:x2]
        torch.maximum(slot, norm, out=slot)
    out = _label_scores(scores, classes, alpha, threshold, background_index,
                        unlabeled_index)
    out[inside_any & ~scored] = unlabeled_index  # boxes without a CAM
    outside = (background_index if background_index is not None else
               unlabeled_index)
    out[~inside_any] = outside
    return out
