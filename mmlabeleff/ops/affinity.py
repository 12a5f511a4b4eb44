"""Local inter-pixel affinities for :func:`mmlabeleff.ops.random_walk`.

Builders of the (N, K, H, W) affinity between every pixel and its neighbours
at the offsets of :func:`mmlabeleff.ops.get_neighbor_offsets`:

- from features, as AffinityNet (Ahn & Kwak, "Learning Pixel-level Semantic
  Affinity with Image-level Supervision", CVPR 2018; public code
  ``jiwoon-ahn/psa``, MIT licence) does with the L1 distance, and SPML (Ke et
  al., "Universal Weakly Supervised Segmentation by Pixel-to-Segment
  Contrastive Learning", ICLR 2021) with the cosine similarity of embeddings;
- from a class-boundary map, as IRN (Ahn, Cho & Kwak, "Weakly Supervised
  Learning of Instance Segmentation with Inter-pixel Relations", CVPR 2019;
  public code ``jiwoon-ahn/irn``, MIT licence) does: the affinity of two
  pixels is one minus the strongest boundary on the segment between them.

The code is written from the papers' formulas; no code was copied. Memory is
O(N x (C + K) x H x W): no pixels x pixels matrix is built. Entries whose
neighbour falls outside the image are 0, and the affinities are symmetric:
``a[n, k, p] == a[n, K-1-k, p + o_k]`` (offset ``K-1-k`` is ``-o_k``).
"""
import math
from functools import lru_cache
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

from .permutohedral import check_finite
from .random_walk import (
    _check_radius,
    _neighbor_offsets,
    _pad_width,
    _shift,
    _valid_mask,
)

__all__ = ['affinity_from_features', 'affinity_from_boundary']


def affinity_from_features(feats: Tensor,
                           radius: int,
                           mode: str = 'l1',
                           scale: Optional[float] = None,
                           eps: float = 1e-12) -> Tensor:
    """Affinities between neighbouring feature vectors.

    - ``mode='l1'`` (AffinityNet): ``a_ij = exp(-scale * mean_c |f_i - f_j|)``,
      the mean absolute difference over channels; ``scale`` defaults to 1.
    - ``mode='cosine'`` (SPML): ``a_ij = exp(scale * (cos(f_i, f_j) - 1))``;
      ``scale`` defaults to 5 (SPML's kappa). The cosine is clamped to at most
      1 so that the affinities stay in [0, 1].

    Args:
        feats (Tensor): Features (N, C, H, W), floating point.
        radius (int | float): Neighbourhood radius; K =
            len(get_neighbor_offsets(radius)).
        mode (str): ``'l1'`` or ``'cosine'``. Default ``'l1'``.
        scale (float, optional): Temperature, > 0; see above for the defaults.
        eps (float): Lower bound of the feature norm in the cosine mode.

    Returns:
        Tensor: Affinities (N, K, H, W) in [0, 1], dtype of ``feats``; 0 where
        the neighbour is outside the image. Differentiable w.r.t. ``feats``.

    Raises:
        ValueError: For a bad shape, mode, ``scale`` or ``eps`` (not finite and
            > 0), or NaN / infinite values in ``feats``.
    """
    radius = _check_radius(radius)
    if not isinstance(feats, Tensor) or feats.dim() != 4:
        raise ValueError('feats must be a 4-D tensor (N, C, H, W), got '
                         f'{getattr(feats, "shape", type(feats).__name__)}')
    if not feats.is_floating_point():
        raise TypeError(f'feats must be a floating-point tensor, got {feats.dtype}')
    if mode not in ('l1', 'cosine'):
        raise ValueError(f"mode must be 'l1' or 'cosine', got {mode!r}")
    if scale is None:
        scale = 1.0 if mode == 'l1' else 5.0
    if not (math.isfinite(scale) and scale > 0):
        raise ValueError(f'scale must be a finite number > 0, got {scale}')
    if not (math.isfinite(eps) and eps > 0):
        raise ValueError(f'eps must be a finite number > 0, got {eps}')
    check_finite('feats', feats)
    if mode == 'cosine':
        feats = F.normalize(feats, dim=1, eps=eps)
    pad = _pad_width(radius)
    padded = F.pad(feats, [pad] * 4)
    out = []
    for dy, dx in _neighbor_offsets(radius):
        nb = _shift(padded, dy, dx, pad)
        if mode == 'l1':
            out.append(torch.exp(-scale * (feats - nb).abs().mean(dim=1)))
        else:
            cos = (feats * nb).sum(dim=1).clamp(max=1.0)
            out.append(torch.exp(scale * (cos - 1.0)))
    return torch.stack(out, dim=1) * _valid_mask(feats, radius)


def _nearest(num: int, den: int) -> Tuple[int, ...]:
    """Integers nearest to ``num / den`` (``den > 0``); both at a tie."""
    q, r = divmod(num, den)
    if 2 * r < den:
        return (q, )
    if 2 * r > den:
        return (q + 1, )
    return (q, q + 1)


@lru_cache(maxsize=None)
def _line_pixels(dy: int, dx: int) -> Tuple[Tuple[int, int], ...]:
    """Pixel offsets on the segment from ``(0, 0)`` to ``(dy, dx)``, both ends.

    The segment is sampled at ``L + 1`` evenly spaced points,
    ``L = max(|dy|, |dx|)`` (one per pixel step along the major axis), and each
    point is taken to the nearest pixel; a point exactly half-way between two
    pixels (the segment passes through their shared edge) takes both. This
    rule makes the path of ``-o`` from ``p + o`` the same pixels as the path
    of ``o`` from ``p``, hence symmetric affinities.

    Args:
        dy (int): Vertical offset.
        dx (int): Horizontal offset.

    Returns:
        tuple[tuple[int, int], ...]: Sorted unique ``(y, x)`` offsets.
    """
    steps = max(abs(dy), abs(dx))
    if steps == 0:
        return ((0, 0), )
    pixels = set()
    for t in range(steps + 1):
        for y in _nearest(t * dy, steps):
            for x in _nearest(t * dx, steps):
                pixels.add((y, x))
    return tuple(sorted(pixels))


@lru_cache(maxsize=None)
def _irn_path_pixels(dy: int, dx: int) -> Tuple[Tuple[int, int], ...]:
    """IRN's path from ``(0, 0)`` to ``(dy, dx)``: every pixel of their
    bounding box whose distance to the line through both is below one pixel
    (``(dy x - dx y)^2 / (dy^2 + dx^2) < 1``; PathIndex of
    ``jiwoon-ahn/irn``). The set is symmetric about the segment's midpoint,
    so affinities stay symmetric."""
    if (dy, dx) == (0, 0):
        return ((0, 0), )
    length_sq = dy * dy + dx * dx
    pixels = [(y, x) for y in range(min(0, dy), max(0, dy) + 1)
              for x in range(min(0, dx), max(0, dx) + 1)
              if (dy * x - dx * y)**2 < length_sq]
    return tuple(sorted(pixels))


PATH_RULES = ('nearest', 'irn')


def affinity_from_boundary(boundary: Tensor,
                           radius,
                           path: str = 'nearest',
                           half: bool = False) -> Tensor:
    """IRN affinities from a class-boundary map.

    ``a_ij = 1 - max_{k on the path from i to j} B(k)``, both end pixels
    included. ``path='nearest'`` discretises the segment by
    :func:`_line_pixels` (nearest pixel to each of ``max(|dy|, |dx|) + 1``
    evenly spaced points, both pixels at exact ties); ``path='irn'`` takes
    IRN's wider path, every pixel of the bounding box closer than one pixel
    to the line (:func:`_irn_path_pixels`), which gives the public code's
    affinities.

    Args:
        boundary (Tensor): Boundary map B in [0, 1], (N, 1, H, W) or (N, H, W),
            floating point.
        radius (int | float): Neighbourhood radius; K =
            len(get_neighbor_offsets(radius)).
        path (str): ``'nearest'`` or ``'irn'``. Defaults to ``'nearest'``.
        half (bool): Only the last ``K // 2`` offsets (``dy > 0``, or
            ``dy == 0`` and ``dx > 0``: IRN's search directions, one per
            unordered pair, which is enough for a training loss). Defaults
            to False.

    Returns:
        Tensor: Affinities (N, K, H, W) (``K // 2`` channels with
        ``half``) in [0, 1], dtype of ``boundary``; 0
        where the neighbour is outside the image. Differentiable w.r.t.
        ``boundary`` (subgradient of the max).

    Raises:
        ValueError: For a bad shape or NaN / infinite values in ``boundary``.
    """
    radius = _check_radius(radius)
    if not isinstance(boundary, Tensor):
        raise TypeError('boundary must be a torch.Tensor, got '
                        f'{type(boundary).__name__}')
    if boundary.dim() == 4:
        if boundary.shape[1] != 1:
            raise ValueError('boundary must be (N, 1, H, W) or (N, H, W), got shape '
                             f'{tuple(boundary.shape)}')
        boundary = boundary[:, 0]
    elif boundary.dim() != 3:
        raise ValueError('boundary must be (N, 1, H, W) or (N, H, W), got shape '
                         f'{tuple(boundary.shape)}')
    if not boundary.is_floating_point():
        raise TypeError('boundary must be a floating-point tensor, got '
                        f'{boundary.dtype}')
    if path not in PATH_RULES:
        raise ValueError(f'path must be one of {PATH_RULES}, got {path!r}')
    check_finite('boundary', boundary)
    pad = _pad_width(radius)
    padded = F.pad(boundary.unsqueeze(1), [pad] * 4)[:, 0]
    pixels_of = _line_pixels if path == 'nearest' else _irn_path_pixels
    offsets = _neighbor_offsets(radius)
    first = len(offsets) // 2 if half else 0
    out = []
    for dy, dx in offsets[first:]:
        pixels = pixels_of(dy, dx)
        strongest = _shift(padded, *pixels[0], pad)
        for py, px in pixels[1:]:
            strongest = torch.maximum(strongest, _shift(padded, py, px, pad))
        out.append(1.0 - strongest)
    return torch.stack(out, dim=1) * _valid_mask(boundary, radius)[first:]
