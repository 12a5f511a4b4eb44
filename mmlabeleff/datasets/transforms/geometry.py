"""Geometry of boxes and points shared by the weak-label transforms.

Not registered; plain NumPy helpers used by :class:`WeakResize`,
:class:`WeakRandomFlip`, :class:`WeakRandomCrop` and
:class:`WeakRandomRotate`.

Coordinates are continuous pixel coordinates, the frame of mmdet's boxes:
the image covers ``[0, W] x [0, H]``, pixel ``(col, row)`` is the unit square
whose centre is ``(col + 0.5, row + 0.5)``, a box ``[x1, y1, x2, y2]`` that
covers pixels ``c0..c1`` and ``r0..r1`` is ``[c0, r0, c1 + 1, r1 + 1]``, and a
point ``(x, y)`` labels pixel ``(floor(x), floor(y))``. OpenCV's affine
matrices (``cv2.getRotationMatrix2D``, ``cv2.warpAffine``) work on pixel
indices, whose centres are the integers; :func:`affine_points` converts.
"""
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

__all__ = [
    'BOX_KEYS', 'POINT_KEYS', 'select_boxes', 'select_points', 'clip_boxes',
    'nonempty_boxes', 'points_inside', 'rotation_matrix', 'affine_points',
    'affine_boxes'
]

#: Results keys that hold one row per box, in the order of ``gt_bboxes``.
BOX_KEYS = ('gt_bboxes', 'gt_bboxes_labels', 'gt_ignore_flags')
#: Results keys that hold one row per point, in the order of ``gt_points``.
POINT_KEYS = ('gt_points', 'gt_points_labels')


def _select(results: dict, keys: Sequence[str], keep: np.ndarray) -> None:
    for key in keys:
        if results.get(key, None) is not None:
            results[key] = results[key][keep]


def select_boxes(results: dict, keep: np.ndarray) -> None:
    """Keep the boxes flagged in ``keep``, with their labels and flags.

    Args:
        results (dict): Transform results; ``gt_bboxes``,
            ``gt_bboxes_labels`` and ``gt_ignore_flags`` are filtered in
            place where present.
        keep (np.ndarray): ``(N,)`` bool mask (or indices).
    """
    _select(results, BOX_KEYS, keep)


def select_points(results: dict, keep: np.ndarray) -> None:
    """Keep the points flagged in ``keep``, with their labels.

    Args:
        results (dict): Transform results; ``gt_points`` and
            ``gt_points_labels`` are filtered in place where present.
        keep (np.ndarray): ``(N,)`` bool mask (or indices).
    """
    _select(results, POINT_KEYS, keep)


def clip_boxes(boxes: np.ndarray, img_shape: Tuple[int, int]) -> np.ndarray:
    """Clip ``(N, 4)`` x1y1x2y2 boxes to ``[0, W] x [0, H]``.

    Args:
        boxes (np.ndarray): Boxes in continuous pixel coordinates.
        img_shape (tuple[int, int]): ``(H, W)``.

    Returns:
        np.ndarray: Clipped copy.
    """
    boxes = boxes.copy()
    boxes[:, 0::2] = np.clip(boxes[:, 0::2], 0, img_shape[1])
    boxes[:, 1::2] = np.clip(boxes[:, 1::2], 0, img_shape[0])
    return boxes


def nonempty_boxes(boxes: np.ndarray) -> np.ndarray:
    """``(N,)`` bool mask of boxes with a positive width and height."""
    return (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])


def points_inside(points: np.ndarray, img_shape: Tuple[int, int]) -> np.ndarray:
    """``(N,)`` bool mask of points that label a pixel of the image.

    Args:
        points (np.ndarray): ``(N, 2)`` x, y in continuous pixel coordinates.
        img_shape (tuple[int, int]): ``(H, W)``.

    Returns:
        np.ndarray: True where ``0 <= x < W`` and ``0 <= y < H``.
    """
    x, y = points[:, 0], points[:, 1]
    return (x >= 0) & (x < img_shape[1]) & (y >= 0) & (y < img_shape[0])


def rotation_matrix(img_shape: Tuple[int, int],
                    angle: float,
                    center: Optional[Tuple[float, float]] = None,
                    auto_bound: bool = False
                    ) -> Tuple[np.ndarray, Tuple[int, int]]:
    """The affine matrix and output shape that :func:`mmcv.imrotate` uses.

    Mirrors mmcv 2.x ``imrotate`` (``cv2.getRotationMatrix2D`` with
    ``-angle``, plus the translation of ``auto_bound``) so that boxes and
    points follow the pixels exactly.

    Args:
        img_shape (tuple[int, int]): ``(H, W)`` of the input.
        angle (float): Degrees, positive is clockwise (mmcv's convention).
        center (tuple[float, float], optional): ``(x, y)`` pixel-index centre
            of rotation; the image centre when None.
        auto_bound (bool): Whether the output grows to hold the whole
            rotated image.

    Returns:
        tuple[np.ndarray, tuple[int, int]]: ``(2, 3)`` matrix mapping input
        pixel indices to output pixel indices, and the output ``(H, W)``.
    """
    h, w = img_shape
    if center is None:
        center = ((w - 1) * 0.5, (h - 1) * 0.5)
    matrix = cv2.getRotationMatrix2D(tuple(center), -angle, 1.0)
    if auto_bound:
        cos, sin = np.abs(matrix[0, 0]), np.abs(matrix[0, 1])
        new_w = h * sin + w * cos
        new_h = h * cos + w * sin
        matrix[0, 2] += (new_w - w) * 0.5
        matrix[1, 2] += (new_h - h) * 0.5
        w, h = int(np.round(new_w)), int(np.round(new_h))
    return matrix, (h, w)


def affine_points(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Map ``(N, 2)`` continuous points with a pixel-index affine matrix.

    Args:
        points (np.ndarray): x, y in continuous pixel coordinates.
        matrix (np.ndarray): ``(2, 3)`` matrix on pixel indices (OpenCV's).

    Returns:
        np.ndarray: ``(N, 2)`` float32 mapped points.
    """
    index = points.astype(np.float64) - 0.5
    mapped = index @ matrix[:, :2].T + matrix[:, 2]
    return (mapped + 0.5).astype(np.float32)


def affine_boxes(boxes: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Map ``(N, 4)`` boxes and return the boxes enclosing their 4 corners.

    Args:
        boxes (np.ndarray): x1y1x2y2 in continuous pixel coordinates.
        matrix (np.ndarray): ``(2, 3)`` matrix on pixel indices (OpenCV's).

    Returns:
        np.ndarray: ``(N, 4)`` float32 axis-aligned enclosing boxes (not
        clipped).
    """
    x1, y1, x2, y2 = (boxes[:, i] for i in range(4))
    corners = np.stack([
        np.stack([x1, y1], -1),
        np.stack([x2, y1], -1),
        np.stack([x1, y2], -1),
        np.stack([x2, y2], -1)
    ], 1).reshape(-1, 2)
    mapped = affine_points(corners, matrix).reshape(-1, 4, 2)
    return np.concatenate([mapped.min(1), mapped.max(1)],
                          axis=1).astype(np.float32)
