"""Permutohedral lattice filtering in pure PyTorch (reference implementation).

Approximate high-dimensional Gaussian filtering with the permutohedral lattice
of Adams, Baek and Davis, "Fast High-Dimensional Filtering Using the
Permutohedral Lattice" (Eurographics 2010), in the variant that Krähenbühl and
Koltun use for mean-field inference in fully connected CRFs ("Efficient
Inference in Fully Connected CRFs with Gaussian Edge Potentials", NIPS 2011):
features are scaled by ``sqrt(2/3) * (d + 1)``, each point is splatted onto the
``d + 1`` vertices of its enclosing simplex with barycentric weights, values are
blurred with ``[1/2, 1, 1/2]`` along the ``d + 1`` lattice directions, sliced
back with the same weights and scaled by ``1 / (1 + 2 ** -d)``.

The numbers (scale factors, rounding and ranking rule, blur weights, the final
scaling constant) are those of the papers and of the public densecrf code
(Philipp Krähenbühl, BSD-like licence; packaged as pydensecrf, MIT), so that
:func:`mmlabeleff.ops.dense_crf` reproduces pydensecrf. The code is written
from those formulas. This module is the readable maths, the test oracle of the
compiled kernels and the fallback when ``mmlabeleff._ext`` is missing; it works
on any device.
"""
import math
from typing import Tuple

import torch

__all__ = ['PermutohedralLattice']


def _scale_factors(d: int) -> torch.Tensor:
    """Per-axis scale of the elevation matrix, in float32 as the kernels do."""
    inv_std = float(torch.tensor(math.sqrt(2.0 / 3.0) * (d + 1),
                                 dtype=torch.float32))
    return torch.tensor([inv_std / math.sqrt((i + 2) * (i + 1)) for i in range(d)],
                        dtype=torch.float32)


class PermutohedralLattice:
    """A permutohedral lattice built over the features of a set of points.

    Building the lattice embeds every point; :meth:`filter` then applies the
    (approximate) Gaussian ``sum_j exp(-|f_i - f_j|^2 / 2) v_j`` to any values.

    Args:
        features (Tensor): (P, d) float32 features, already divided by the
            kernel's standard deviations.

    Attributes:
        offsets (Tensor): (P, d + 1) int64 vertex index of each point's
            simplex corners.
        weights (Tensor): (P, d + 1) float32 barycentric weights.
        neighbors (Tensor): (d + 1, 2, M) int64 blur neighbours of every
            vertex along every lattice direction (``M`` marks a missing one).
        num_vertices (int): number of lattice vertices ``M``.
    """

    def __init__(self, features: torch.Tensor):
        if features.dim() != 2 or not features.is_floating_point():
            raise ValueError('features must be a (P, d) floating tensor, got '
                             f'{tuple(features.shape)} {features.dtype}')
        self.dim = features.shape[1]
        keys, self.weights = self._embed(features.float())
        d1 = self.dim + 1
        unique, inverse = torch.unique(keys.reshape(-1, self.dim), dim=0,
                                       return_inverse=True)
        self.offsets = inverse.reshape(-1, d1)
        self.num_vertices = unique.shape[0]
        self.neighbors = self._find_neighbors(unique)

    def _embed(self, f: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Elevate, find the enclosing simplex, its vertices and weights."""
        d = self.dim
        d1 = d + 1
        num = f.shape[0]
        cf = f * _scale_factors(d).to(f.device)
        # elevated[j] = sum_{i >= j} cf_i - j * cf_{j-1}, summed from the end
        elevated = f.new_empty(num, d1)
        sm = f.new_zeros(num)
        for j in range(d, 0, -1):
            elevated[:, j] = sm - j * cf[:, j - 1]
            sm = sm + cf[:, j - 1]
        elevated[:, 0] = sm
        # closest point of the lattice of multiples of (d + 1)
        down = torch.tensor(1.0 / d1, dtype=torch.float32)
        v = elevated * down.to(f.device)
        up_pt = torch.ceil(v) * d1
        down_pt = torch.floor(v) * d1
        rem0 = torch.where(up_pt - elevated < elevated - down_pt, up_pt,
                           down_pt).to(torch.int64)
        total = (rem0 // d1).sum(dim=1, keepdim=True)
        # rank of each coordinate of the residual (ties: later index ranks higher)
        res = elevated - rem0.float()
        gt = res[:, None, :] > res[:, :, None]   # [p, i, j]: res_j > res_i
        ge = res[:, None, :] >= res[:, :, None]  # [p, i, j]: res_j >= res_i
        idx = torch.arange(d1, device=f.device)
        later = idx[None, :] > idx[:, None]      # [i, j]: j > i
        rank = torch.where(later, gt, ge & ~torch.eye(d1, dtype=torch.bool,
                                                      device=f.device))
        rank = rank.sum(dim=2) + total
        low = rank < 0
        high = rank > d
        rank = rank + d1 * low.long() - d1 * high.long()
        rem0 = rem0 + d1 * low.long() - d1 * high.long()
        # barycentric coordinates
        v = (elevated - rem0.float()) * down.to(f.device)
        bary = f.new_zeros(num, d + 2)
        bary.scatter_add_(1, d - rank, v)
        bary.scatter_add_(1, d - rank + 1, -v)
        bary[:, 0] += 1.0 + bary[:, d + 1]
        weights = bary[:, :d1].contiguous()
        # vertex r of the simplex: rem0 + canonical[r][rank]
        r = torch.arange(d1, device=f.device)[None, :, None]       # (1, d1, 1)
        canon = torch.where(rank[:, None, :] <= d - r, r, r - d1)  # (P, d1, d1)
        keys = rem0[:, None, :d] + canon[:, :, :d]
        return keys, weights

    def _find_neighbors(self, unique: torch.Tensor) -> torch.Tensor:
        """Index of the two blur neighbours of each vertex along each axis."""
        d = self.dim
        num = unique.shape[0]
        lo = int(unique.min()) - d - 1
        span = int(unique.max()) + d + 2 - lo
        bits = max(1, math.ceil(math.log2(span)))
        if bits * d > 62:
            raise ValueError('the lattice spans too large a range of features '
                             f'({span} per axis in {d} dimensions) for the '
                             'reference implementation; increase sxy/srgb')

        def code(keys):
            c = torch.zeros(keys.shape[0], dtype=torch.int64, device=keys.device)
            for i in range(d):
                c = (c << bits) | (keys[:, i] - lo)
            return c

        codes = code(unique)
        order = torch.argsort(codes)
        sorted_codes = codes[order]
        out = torch.empty(d + 1, 2, num, dtype=torch.int64, device=unique.device)
        for j in range(d + 1):
            for s, sign in enumerate((1, -1)):
                nb = unique - sign
                if j < d:
                    nb[:, j] = unique[:, j] + sign * d
                nc = code(nb)
                pos = torch.searchsorted(sorted_codes, nc).clamp(max=num - 1)
                found = sorted_codes[pos] == nc
                out[j, s] = torch.where(found, order[pos],
                                        torch.full_like(pos, num))
        return out

    def filter(self, values: torch.Tensor) -> torch.Tensor:
        """Splat ``values`` (P, C), blur along every lattice axis, slice back.

        Args:
            values (Tensor): (P, C) values at the points.

        Returns:
            Tensor: (P, C) filtered values,
            ``~ sum_j exp(-|f_i - f_j|^2 / 2) values_j``.
        """
        d1 = self.dim + 1
        num_points, channels = values.shape
        lattice = values.new_zeros(self.num_vertices + 1, channels)  # last row: 0
        contrib = (self.weights.to(values.dtype)[:, :, None] * values[:, None, :])
        lattice.index_add_(0, self.offsets.reshape(-1),
                           contrib.reshape(-1, channels))
        for j in range(d1):
            n1, n2 = self.neighbors[j]
            blurred = lattice[:-1] + 0.5 * (lattice[n1] + lattice[n2])
            lattice = torch.cat([blurred, lattice[-1:]], dim=0)
        alpha = 1.0 / (1.0 + 2.0 ** (-self.dim))
        gathered = lattice[self.offsets]                      # (P, d1, C)
        return (gathered * self.weights.to(values.dtype)[:, :, None]).sum(1) * alpha
