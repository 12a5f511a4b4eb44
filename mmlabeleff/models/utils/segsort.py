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

Nearest-neighbour retrieval (the paper's Algorithm 2, public
``pyscripts/inference/prototype_msc.py`` and ``pseudo_inference_crf_msc.py``
with ``spml/models/predictions/segsort.py`` and
``spml/utils/segsort/eval.py``): an image's embedding is clustered from a
12 x 12 grid (:func:`cluster_image`); a memory bank keeps each training
image's cluster prototypes with the majority label of their pixels
(:func:`majority_labels`); a query cluster takes the labels of its ``k``
(20) most similar memory prototypes as one vote each
(:func:`retrieval_votes`).

This module is written for mmlabeleff and vectorised over the batch (the
public code loops over images); it gives the same clusters.
"""
from typing import Dict, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = [
    'normalize_embedding', 'grid_cluster_labels', 'location_features',
    'spherical_kmeans', 'segment_pixels', 'segment_prototypes',
    'cluster_image', 'majority_labels', 'retrieval_votes'
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


@torch.no_grad()
def cluster_image(embedding: Tensor, num_clusters: Sequence[int] = (12, 12),
                  iterations: int = 10) -> Tuple[Tensor, Tensor]:
    """Cluster one image's embedding map and give its cluster prototypes.

    The clustered feature is ``normalise([normalise(e); y; x])`` from the
    ``num_clusters`` grid (as training); the clusters are renumbered to the
    ones that end up non-empty, and a prototype is the normalised sum of its
    pixels' unit embeddings (without the coordinates), as the public
    ``generate_clusters`` + ``calculate_prototypes_from_labels``.

    Args:
        embedding (Tensor): ``(C, H, W)`` embedding (any length).
        num_clusters (Sequence[int]): Initial grid ``(ny, nx)``. Defaults to
            (12, 12), the public retrieval setting.
        iterations (int): k-means rounds. Defaults to 10.

    Returns:
        tuple[Tensor, Tensor]: ``(H * W,)`` cluster of each pixel in raster
        order (``0..K-1``) and the ``(K, C)`` unit prototypes.
    """
    channels, height, width = embedding.shape
    emb = normalize_embedding(embedding.float().reshape(channels, -1).t())
    loc = location_features(height, width, device=emb.device)
    with_loc = normalize_embedding(torch.cat([emb, loc], dim=1))
    init, num = grid_cluster_labels(num_clusters, height, width,
                                    device=emb.device)
    valid = torch.ones((1, height * width), dtype=torch.bool, device=emb.device)
    clusters = spherical_kmeans(with_loc[None], valid, init, num, iterations)[0]
    _, clusters = torch.unique(clusters, return_inverse=True)
    prototypes = segment_prototypes(emb, clusters, int(clusters.max()) + 1)
    return clusters, prototypes


def majority_labels(labels: Tensor, clusters: Tensor, num_clusters: int) -> Tensor:
    """Most frequent label of each cluster's pixels.

    Every label value counts, ignored ones (255) included, so a cluster
    mostly of ignored pixels gets the ignore label (the public
    ``find_majority_label_index``); ties go to the smaller label.

    Args:
        labels (Tensor): ``(N,)`` non-negative label of each pixel.
        clusters (Tensor): ``(N,)`` cluster of each pixel.
        num_clusters (int): K.

    Returns:
        Tensor: ``(K,)`` long majority labels (0 for an empty cluster).
    """
    labels = labels.reshape(-1).long()
    clusters = clusters.reshape(-1).long()
    if labels.numel() != clusters.numel():
        raise ValueError(f'{labels.numel()} labels for {clusters.numel()} '
                         'clustered pixels')
    num_labels = int(labels.max()) + 1 if labels.numel() else 1
    counts = torch.zeros(num_clusters * num_labels, dtype=torch.long,
                         device=labels.device)
    counts.index_add_(0, clusters * num_labels + labels,
                      torch.ones_like(labels))
    return counts.view(num_clusters, num_labels).argmax(1)


def retrieval_votes(queries: Tensor, memory: Tensor, memory_labels: Tensor,
                    k: int, num_classes: int) -> Tensor:
    """Fraction of each query's ``k`` nearest memory prototypes per class.

    Similarity is the dot product of the unit prototypes; the ``k`` most
    similar memory entries vote with their labels (the public
    ``top_k_ranking`` followed by a one-hot mean). With fewer than ``k``
    entries in the memory all of them vote.

    Args:
        queries (Tensor): ``(M, C)`` unit prototypes of the query clusters.
        memory (Tensor): ``(P, C)`` unit memory prototypes.
        memory_labels (Tensor): ``(P,)`` their labels in ``[0, num_classes)``.
        k (int): Neighbours per query (20 in the public code).
        num_classes (int): Classes.

    Returns:
        Tensor: ``(M, num_classes)`` votes; each row sums to 1.
    """
    if memory.shape[0] == 0:
        raise ValueError('the memory bank is empty')
    if memory.shape[0] != memory_labels.numel():
        raise ValueError(f'{memory.shape[0]} memory prototypes but '
                         f'{memory_labels.numel()} labels')
    if memory_labels.numel() and not (
            0 <= int(memory_labels.min()) and int(memory_labels.max()) < num_classes):
        raise ValueError(f'memory labels must lie in [0, {num_classes})')
    top = min(int(k), memory.shape[0])
    sim = queries.float() @ memory.float().t()
    index = sim.topk(top, dim=1).indices
    labels = memory_labels.long()[index]
    return F.one_hot(labels, num_classes).float().mean(1)
