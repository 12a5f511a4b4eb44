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

Range of the lattice. The compiled kernels store lattice coordinates as int16
(``csrc/permutohedral/permutohedral.h``): every coordinate they use lies within
``3.5 (d + 1)`` of an elevated coordinate of some point, so the elevated
coordinates must stay well inside [-32768, 32767]. :data:`MAX_ELEVATED` (32000)
is the bound checked on the host, before any lattice is built, by
:func:`check_feature_range` (and by the same check in the C++ entry points):
for features with ``|f_i| <= F_i`` the elevated coordinates are at most
``max_j (sum_{i >= j} s_i F_i + j s_{j-1} F_{j-1})``, ``s`` the elevation
scales (:func:`elevation_bound`). The ops derive ``F_i`` from the image size
and the largest colour value divided by ``sxy`` / ``srgb``, and name the
argument that is too small. :func:`check_sigma` rejects standard deviations
that are not finite and positive in float32 (``1e-50`` rounds to 0).
"""
import math
from typing import Optional, Sequence, Tuple

import torch
from torch import Tensor

__all__ = [
    'PermutohedralLattice', 'MAX_ELEVATED', 'check_sigma', 'check_finite',
    'elevation_bound', 'check_feature_range', 'image_features',
    'symmetric_normalisation', 'to_float32'
]

#: Largest ``|elevated coordinate|`` the lattice accepts: the int16 keys of the
#: compiled kernels, less a margin (see the module docstring).
MAX_ELEVATED = 32000.0


def _scale_factors(d: int) -> torch.Tensor:
    """Per-axis scale of the elevation matrix, in float32 as the kernels do."""
    inv_std = float(torch.tensor(math.sqrt(2.0 / 3.0) * (d + 1),
                                 dtype=torch.float32))
    return torch.tensor([inv_std / math.sqrt((i + 2) * (i + 1)) for i in range(d)],
                        dtype=torch.float32)


def to_float32(value: float) -> float:
    """``value`` rounded to float32 (what the kernels divide by), as a float."""
    return float(torch.tensor(value, dtype=torch.float32))


def check_sigma(name: str, value) -> float:
    """A kernel standard deviation as a float; it must be finite and > 0.

    The kernels divide by ``value`` in float32, so it must also be finite and
    positive once rounded to float32 (``1e-50`` becomes 0, ``1e300`` inf).

    Args:
        name (str): The argument's name, for the error message.
        value (float): The standard deviation.

    Returns:
        float: ``float(value)``.

    Raises:
        TypeError: If ``value`` is not a real number.
        ValueError: If it is not finite and > 0 in float32.
    """
    if isinstance(value, bool):
        raise TypeError(f'{name} must be a number, got a bool')
    try:
        v = float(value)
    except (TypeError, ValueError, RuntimeError):
        raise TypeError(f'{name} must be a number, got {type(value).__name__}'
                        ) from None
    v32 = to_float32(v)
    if not (math.isfinite(v) and math.isfinite(v32) and v32 > 0):
        raise ValueError(f'{name} must be a finite number > 0 (in float32), '
                         f'got {value}')
    return v


def check_finite(name: str, tensor: Tensor) -> None:
    """Raise a ValueError naming ``name`` if a float tensor holds NaN or inf.

    Args:
        name (str): The argument's name, for the error message.
        tensor (Tensor): Any tensor; integer tensors always pass.
    """
    if not tensor.is_floating_point() or tensor.numel() == 0:
        return
    # one reduction: the sum is finite unless a value is not (or the sum
    # overflows, which the elementwise check then settles)
    if bool(torch.isfinite(tensor.detach().sum())):
        return
    if not bool(torch.isfinite(tensor).all()):
        raise ValueError(f'{name} contains NaN or infinite values')


def elevation_bound(max_abs: Sequence[float]) -> float:
    """Largest ``|elevated coordinate|`` of features with ``|f_i| <= max_abs[i]``.

    The elevated point of ``f`` has coordinates
    ``e_j = sum_{i >= j} s_i f_i - j s_{j-1} f_{j-1}`` (``s`` the float32
    elevation scales), so ``|e_j| <= sum_{i >= j} s_i F_i + j s_{j-1} F_{j-1}``.
    Computed in float64 exactly as the C++ check does.

    Args:
        max_abs (Sequence[float]): Per-axis bound ``F_i`` of ``|f_i|``.

    Returns:
        float: The bound over all ``d + 1`` coordinates (NaN if a bound is NaN).
    """
    d = len(max_abs)
    scale = [float(v) for v in _scale_factors(d)]
    best = 0.0
    for j in range(d + 1):
        b = 0.0
        for i in range(j, d):
            b += scale[i] * float(max_abs[i])
        if j > 0:
            b += j * scale[j - 1] * float(max_abs[j - 1])
        if math.isnan(b):
            return b
        best = max(best, b)
    return best


def check_feature_range(max_abs: Sequence[float], names: Sequence[str]) -> None:
    """Raise a ValueError unless the lattice coordinates fit its int16 keys.

    Args:
        max_abs (Sequence[float]): Per-axis bound of ``|feature|`` (the largest
            pixel coordinate or colour value divided by its standard deviation).
        names (Sequence[str]): Per axis, the argument that scales it; the error
            names the argument(s) whose axes alone exceed :data:`MAX_ELEVATED`
            (or all of them).

    Raises:
        ValueError: If :func:`elevation_bound` exceeds :data:`MAX_ELEVATED`.
    """
    bound = elevation_bound(max_abs)
    if bound <= MAX_ELEVATED:
        return
    distinct = list(dict.fromkeys(names))
    blamed = [
        name for name in distinct
        if not elevation_bound([m if n == name else 0.0
                                for m, n in zip(max_abs, names)]) <= MAX_ELEVATED
    ] or distinct
    args = ' and '.join(blamed)
    raise ValueError(f'{args} too small for this input: the features divided by '
                     f'it reach lattice coordinates of {bound:.6g} (at most '
                     f"{MAX_ELEVATED:g} fit the lattice's int16 keys); increase "
                     f'{args}')


def image_features(image: Tensor, sxy: float, srgb: Optional[float] = None) -> Tensor:
    """Per-pixel features ``(x / sxy, y / sxy[, r / srgb, g / srgb, b / srgb])``.

    pydensecrf's features, float32 divisions as in the kernels.

    Args:
        image (Tensor): (3, H, W) colours (any real dtype; read as float32).
        sxy (float): Position standard deviation (pixels).
        srgb (float, optional): Colour standard deviation; None for the
            position-only (Gaussian) kernel.

    Returns:
        Tensor: (H * W, 2) or (H * W, 5) float32 features, row-major pixels.
    """
    _, h, w = image.shape
    dev = image.device
    ys, xs = torch.meshgrid(torch.arange(h, device=dev, dtype=torch.float32),
                            torch.arange(w, device=dev, dtype=torch.float32),
                            indexing='ij')
    sxy = torch.tensor(sxy, dtype=torch.float32)
    feats = [xs.reshape(-1) / sxy, ys.reshape(-1) / sxy]
    if srgb is not None:
        srgb = torch.tensor(srgb, dtype=torch.float32)
        feats += [image[i].reshape(-1).float() / srgb for i in range(3)]
    return torch.stack(feats, dim=1)


def symmetric_normalisation(lattice: 'PermutohedralLattice') -> Tensor:
    """``n = 1 / sqrt(K 1)`` per point, (P, 1): the filter ``v -> n K (n v)``.

    densecrf's symmetric kernel normalisation (dense_crf's messages and
    ``bilateral_filter(..., normalize=True)``).
    """
    ones = torch.ones(lattice.offsets.shape[0], 1, device=lattice.offsets.device)
    return 1.0 / torch.sqrt(lattice.filter(ones) + 1e-20)


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
        check_finite('features', features)
        if features.numel() > 0:
            check_feature_range(features.abs().amax(0).tolist(),
                                ['features'] * self.dim)
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
        # bary0 + (1 + bary_{d+1}) in float64, rounded once, as densecrf's
        # float + double expression (and the kernels) compute it
        bary[:, 0] = (bary[:, 0].double() + (1.0 + bary[:, d + 1].double())).float()
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
        if bits * d > 62:  # keys do not pack into int64: match them row-wise
            return self._find_neighbors_rowwise(unique)

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

    def _find_neighbors_rowwise(self, unique: torch.Tensor) -> torch.Tensor:
        """:meth:`_find_neighbors` for keys too wide to pack (slower)."""
        d = self.dim
        num = unique.shape[0]
        out = torch.empty(d + 1, 2, num, dtype=torch.int64, device=unique.device)
        for j in range(d + 1):
            for s, sign in enumerate((1, -1)):
                nb = unique - sign
                if j < d:
                    nb[:, j] = unique[:, j] + sign * d
                both, inverse = torch.unique(torch.cat([unique, nb]), dim=0,
                                             return_inverse=True)
                index = torch.full((both.shape[0], ), num, dtype=torch.int64,
                                   device=unique.device)
                index[inverse[:num]] = torch.arange(num, device=unique.device)
                out[j, s] = index[inverse[num:]]
        return out

    def filter(self, values: torch.Tensor, reverse: bool = False) -> torch.Tensor:
        """Splat ``values`` (P, C), blur along every lattice axis, slice back.

        Each blur pass is a symmetric matrix, but passes along different axes
        do not commute on the sparse lattice, so the filter is symmetric only
        approximately. ``reverse=True`` blurs along the axes in the opposite
        order, which applies the exact transpose (the adjoint used by
        backward passes).

        Args:
            values (Tensor): (P, C) values at the points.
            reverse (bool): Blur along axes ``d .. 0`` instead of ``0 .. d``.

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
        for j in (reversed(range(d1)) if reverse else range(d1)):
            n1, n2 = self.neighbors[j]
            blurred = lattice[:-1] + 0.5 * (lattice[n1] + lattice[n2])
            lattice = torch.cat([blurred, lattice[-1:]], dim=0)
        alpha = 1.0 / (1.0 + 2.0 ** (-self.dim))
        gathered = lattice[self.offsets]                      # (P, d1, C)
        return (gathered * self.weights.to(values.dtype)[:, :, None]).sum(1) * alpha
