"""Pixel-induced segments of SegSort / SPML: spherical k-means and segments.

SPML (Ke, Hwang and Yu, "Universal Weakly Supervised Segmentation by
Pixel-to-Segment Contrastive Learning", ICLR 2021) and SegSort (Hwang et al.,
ICCV 2019) cluster each image's pixel embeddings, concatenated with the
pixels' (y, x) coordinates, by spherical (von Mises-Fisher) k-means, and
split the clusters by the low-level over-segmentation and by the semantic
label, so that every segment is pure in both. Constants and conventions from
the public SPML code (github.com/twke18/SPML, MIT licence,
``spml/utils/segsort/common.py``, ``spml/models/utils.py``):

- initial clusters: a uniform ``ny x nx`` grid (``round(linspace(0, n - 1,
  size))`` per axis, id ``y + ny * x``), renumbered to the ids that occur;
- coordinates ``linspace(0, 1, size) - 0.5`` per axis; the clustered feature
  is ``normalise([normalise(e); y; x])``;
- each iteration an M-step (prototype = normalised sum of its pixels'
  features; an empty cluster's prototype is the zero vector) then an E-step
  (argmax of the dot product, first maximum on ties); 10 iterations;
- ignored pixels (padding, 255) take no part; unlabeled pixels (254) do;
- segment = one (image, cluster, label, over-segment) combination; its
  prototype is the normalised sum of its pixels' normalised embeddings.

This module is written for mmlabeleff and vectorised over the batch (the
public code loops over images); it gives the same clusters.
"""
from typing import Dict, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = [
    'normalize_embedding', 'grid_cluster_labels', 'location_features',
    'spherical_kmeans', 'segment_pixels', 'segment_prototypes'
]


def normalize_embedding(x: Tensor, eps: float = 1e-12) -> Tensor:
    """L2-normalise the last dimension; vectors shorter than ``eps`` are
    divided by ``eps`` (so a zero vector stays zero), as the public code.

    Args:
        x (Tensor): ``(..., C)``.
        eps (float): Smallest norm divided by. Defaults to 1e-12.

    Returns:
        Tensor: Same shape.
    """
    norm = torch.linalg.vector_norm(x, dim=-1, keepdim=True)
    return x / norm.clamp(min=eps)


def grid_cluster_labels(num_clusters: Sequence[int], height: int, width: int,
                        device=None) -> Tuple[Tensor, int]:
    """Initial cluster of each pixel: a uniform grid, renumbered 0..K-1.

    Args:
        num_clusters (Sequence[int]): ``(ny, nx)`` grid cells.
        height (int): Map height.
        width (int): Map width.
        device: Torch device.

    Returns:
        tuple[Tensor, int]: ``(H * W,)`` long ids in raster order and the
        number K of distinct ids (fewer than ``ny * nx`` on maps smaller
        than the grid).
    """
    ny, nx = int(num_clusters[0]), int(num_clusters[1])
    if ny < 1 or nx < 1:
        raise ValueError(f'num_clusters must be positive, got {num_clusters}')
    ys = torch.linspace(0, ny - 1, height, device=device).round().long()
    xs = torch.linspace(0, nx - 1, width, device=device).round().long()
    grid = ys.view(-1, 1) + (int(ys.max()) + 1) * xs.view(1, -1)
    ids, labels = torch.unique(grid.reshape(-1), return_inverse=True)
    return labels, int(ids.numel())


def location_features(height: int, width: int, device=None,
                      dtype=torch.float32) -> Tensor:
    """``(H * W, 2)`` pixel coordinates ``(y, x)`` in ``[-0.5, 0.5]``."""
    ys = torch.linspace(0, 1, height, device=device, dtype=dtype) - 0.5
    xs = torch.linspace(0, 1, width, device=device, dtype=dtype) - 0.5
    yy, xx = torch.meshgrid(ys, xs, indexing='ij')
    return torch.stack([yy, xx], dim=-1).reshape(-1, 2)


@torch.no_grad()
def spherical_kmeans(features: Tensor, valid: Tensor, init_labels: Tensor,
                     num_clusters: int, iterations: int = 10) -> Tensor:
    """Spherical k-means of every image of a batch at once.

    Args:
        features (Tensor): ``(B, N, C)`` unit-length features.
        valid (Tensor): ``(B, N)`` bool, pixels that take part.
        init_labels (Tensor): ``(N,)`` or ``(B, N)`` initial clusters in
            ``[0, num_clusters)``.
        num_clusters (int): K.
        iterations (int): M-step + E-step rounds. Defaults to 10.

    Returns:
        Tensor: ``(B, N)`` cluster of each pixel (meaningless where not
        ``valid``).
    """
    batch, num, _ = features.shape
    labels = init_labels.expand(batch, num).clone()
    features = features * valid.unsqueeze(-1).to(features.dtype)
    for _ in range(iterations):
        # M-step: per-cluster sums as one batched product with the one-hot
        # assignment (faster than scatter_add on CPU)
        onehot = F.one_hot(labels, num_clusters).to(features.dtype)
        prototypes = normalize_embedding(
            torch.bmm(onehot.transpose(1, 2), features))
        labels = torch.bmm(features, prototypes.transpose(1, 2)).argmax(-1)
    return labels


@torch.no_grad()
def segment_pixels(clusters: Tensor, labels: Tensor,
                   superpixels: Tensor, valid: Tensor) -> Dict[str, Tensor]:
    """Split clusters by image, label and over-segment into segments.

    Args:
        clusters (Tensor): ``(B, N)`` k-means clusters.
        labels (Tensor): ``(B, N)`` labels (class ids, 254 unlabeled).
        superpixels (Tensor): ``(B, N)`` over-segment ids (non-negative).
        valid (Tensor): ``(B, N)`` bool, pixels that take part.

    Returns:
        dict: ``pixel_index`` (``(P,)`` flat index ``b * N + n`` of each
        valid pixel), ``segment`` (``(P,)`` its segment in ``0..M-1``),
        and per segment ``batch``, ``label`` and ``superpixel`` (``(M,)``).
    """
    batch, num = clusters.shape
    pixel_index = valid.reshape(-1).nonzero().squeeze(1)
    image = torch.div(pixel_index, num, rounding_mode='floor')
    cluster = clusters.reshape(-1)[pixel_index].long()
    label = labels.reshape(-1)[pixel_index].long()
    superpixel = superpixels.reshape(-1)[pixel_index].long()
    if pixel_index.numel() == 0:
        empty = clusters.new_zeros((0, ), dtype=torch.long)
        return dict(pixel_index=pixel_index, segment=empty, batch=empty,
                    label=empty, superpixel=empty)
    num_clusters = int(cluster.max()) + 1
    num_labels = int(label.max()) + 1
    num_superpixels = int(superpixel.max()) + 1
    key = ((image * num_clusters + cluster) * num_labels
           + label) * num_superpixels + superpixel
    keys, segment = torch.unique(key, return_inverse=True)
    seg_superpixel = keys % num_superpixels
    rest = torch.div(keys, num_superpixels, rounding_mode='floor')
    seg_label = rest % num_labels
    seg_batch = torch.div(
        torch.div(rest, num_labels, rounding_mode='floor'), num_clusters,
        rounding_mode='floor')
    return dict(pixel_index=pixel_index, segment=segment, batch=seg_batch,
                label=seg_label, superpixel=seg_superpixel)


def segment_prototypes(features: Tensor, segment: Tensor,
                       num_segments: int) -> Tensor:
    """Normalised sum of each segment's features (differentiable).

    Args:
        features (Tensor): ``(P, C)`` features of the pixels.
        segment (Tensor): ``(P,)`` their segments.
        num_segments (int): M.

    Returns:
        Tensor: ``(M, C)`` unit-length prototypes.
    """
    sums = features.new_zeros((num_segments, features.shape[1]))
    sums = sums.index_add(0, segment, features)
    return normalize_embedding(sums)
