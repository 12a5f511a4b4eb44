"""Random walk over a sparse local affinity (AffinityNet / IRN propagation).

AffinityNet (Ahn & Kwak, "Learning Pixel-level Semantic Affinity with
Image-level Supervision", CVPR 2018; public code ``jiwoon-ahn/psa``, MIT
licence) and IRN (Ahn, Cho & Kwak, "Weakly Supervised Learning of Instance
Segmentation with Inter-pixel Relations", CVPR 2019; public code
``jiwoon-ahn/irn``, MIT licence) refine class activation maps by a random walk
whose transition probabilities come from inter-pixel affinities between each
pixel and its neighbours within a small radius. SPML (Ke et al., ICLR 2021)
uses the same propagation on embedding affinities. The code here is written
from the papers' formulas; no code was copied.

With offsets ``o_k = (dy_k, dx_k)`` (:func:`get_neighbor_offsets`) and an
affinity ``a_k(p)`` between pixel ``p`` and ``p + o_k`` (see
:mod:`mmlabeleff.ops.affinity`), the transition matrix is

    w_k(p) = a_k(p) ** beta  (0 when p + o_k lies outside the image),
    w_self(p) = 1,
    P[p, p + o_k] = w_k(p) / (w_self(p) + sum_k' w_k'(p)),

and the op returns ``P^(2^log_t) @ scores`` for every image and channel. The
matrix is never formed: it is kept as ``K + 1`` weight maps (memory
O(pixels x K)) and each step sums ``K + 1`` shifted, weighted score maps.
psa/IRN normalise the columns of the symmetric affinity and multiply from the
other side, which is the same operator.
"""
import math
import numbers
from functools import lru_cache
from typing import Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.autograd.function import once_differentiable

from .ext_loader import get_ext_function
from .permutohedral import check_finite

__all__ = [
    'get_neighbor_offsets', 'random_walk_reference', 'RandomWalkFunction',
    'random_walk', 'RandomWalk', 'MAX_LOG_T'
]

#: Largest ``log_t``. The walk applies the sparse transition operator
#: ``2**log_t`` times, one step after the other (the pixels x pixels matrix is
#: never formed, so it cannot be squared), so time is linear in ``2**log_t``:
#: one radius-5 step over a (21, 47, 63) CAM takes about 0.5 ms on one CPU
#: core, i.e. about 30 s for ``log_t=16`` and years for ``log_t=40``, which
#: would never return. 16 (65,536 steps) is 256 times IRN's ``log_t=8`` and
#: covers full-resolution maps: a walk with steps of up to ``radius`` pixels
#: mixes across a map in roughly ``(size / radius) ** 2`` steps, about 2**12
#: for 300 pixels at radius 5; beyond that more steps only cost time (and add
#: float32 rounding). The same bound is checked in the C++ entry point.
MAX_LOG_T = 16


@lru_cache(maxsize=None)
def _neighbor_offsets(radius) -> Tuple[Tuple[int, int], ...]:
    r = _pad_width(radius)
    limit = radius * radius
    return tuple((dy, dx) for dy in range(-r, r + 1)
                 for dx in range(-r, r + 1)
                 if dy * dy + dx * dx <= limit and (dy, dx) != (0, 0))


def _pad_width(radius) -> int:
    """Largest offset along one axis: ``floor(radius)``."""
    return int(math.floor(radius))


def _check_radius(radius):
    if isinstance(radius, bool) or not isinstance(radius, numbers.Real):
        raise TypeError(f'radius must be a number, got {type(radius).__name__}')
    if not (math.isfinite(radius) and radius >= 1):
        raise ValueError(f'radius must be a finite number >= 1, got {radius}')
    return int(radius) if float(radius).is_integer() else float(radius)


def get_neighbor_offsets(radius: int) -> Tensor:
    """The neighbour offsets of the random walk, in their fixed order.

    All integer ``(dy, dx)`` with ``dy**2 + dx**2 <= radius**2`` except
    ``(0, 0)``, in row-major order (``dy`` then ``dx`` increasing). The set is
    symmetric and the order makes offset ``K - 1 - k`` the negation of offset
    ``k``.

    Args:
        radius (int | float): Neighbourhood radius in pixels, >= 1. A
            non-integer radius selects the offsets within it: IRN's "radius
            r" (offsets strictly closer than ``r``; PathIndex of
            ``jiwoon-ahn/irn``) is any radius in ``[sqrt(r**2 - 1), r)``,
            e.g. 4.9 for IRN's 5 (68 offsets) and 9.95 for its 10.

    Returns:
        Tensor: int64 tensor of shape (K, 2) with rows ``(dy, dx)``; K is 4
        for radius 1 and 80 for radius 5.
    """
    _check_radius(radius)
    return torch.tensor(_neighbor_offsets(radius), dtype=torch.long)


def _check_inputs(scores: Tensor, affinity: Tensor, radius: int, beta: float,
                  log_t: int) -> None:
    for name, t in (('scores', scores), ('affinity', affinity)):
        if not isinstance(t, Tensor):
            raise TypeError(f'{name} must be a torch.Tensor, got {type(t).__name__}')
        if t.dim() != 4:
            shape = '(N, C, H, W)' if name == 'scores' else '(N, K, H, W)'
            raise ValueError(f'{name} must be a 4-D tensor {shape}, got shape '
                             f'{tuple(t.shape)}')
        if t.dtype not in (torch.float32, torch.float64):
            raise TypeError(f'{name} must be float32 or float64, got {t.dtype}')
    radius = _check_radius(radius)
    if scores.dtype != affinity.dtype:
        raise TypeError(f'scores and affinity must have the same dtype, got '
                        f'{scores.dtype} and {affinity.dtype}')
    if scores.device != affinity.device:
        raise ValueError(f'scores and affinity must be on the same device, got '
                         f'{scores.device} and {affinity.device}')
    num_offsets = len(_neighbor_offsets(radius))
    if affinity.shape[1] != num_offsets:
        raise ValueError(f'affinity must have K={num_offsets} channels for radius '
                         f'{radius} (len(get_neighbor_offsets({radius}))), got '
                         f'{affinity.shape[1]}')
    n, _, h, w = scores.shape
    if (affinity.shape[0], affinity.shape[2], affinity.shape[3]) != (n, h, w):
        raise ValueError(f'affinity {tuple(affinity.shape)} and scores '
                         f'{tuple(scores.shape)} must agree in N, H and W')
    _check_beta(beta)
    _check_log_t(log_t)
    check_finite('scores', scores)
    check_finite('affinity', affinity)


def _check_beta(beta) -> None:
    if isinstance(beta, bool) or not isinstance(beta, numbers.Real):
        raise TypeError(f'beta must be a float, got {type(beta).__name__}')
    if not (math.isfinite(beta) and beta > 0):
        raise ValueError(f'beta must be a finite number > 0, got {beta}')


def _check_log_t(log_t) -> None:
    if isinstance(log_t, bool) or not isinstance(log_t, int):
        raise TypeError(f'log_t must be an int, got {type(log_t).__name__}')
    if not 0 <= log_t <= MAX_LOG_T:
        raise ValueError(f'log_t must be in [0, {MAX_LOG_T}] (the walk takes '
                         f'2**log_t steps one after the other), got {log_t}')


def _shift(x: Tensor, dy: int, dx: int, pad: int) -> Tensor:
    """``x`` (zero-padded by ``pad``) read at ``(y + dy, x + dx)``."""
    h, w = x.shape[-2] - 2 * pad, x.shape[-1] - 2 * pad
    return x[..., pad + dy:pad + dy + h, pad + dx:pad + dx + w]


def _valid_mask(like: Tensor, radius: int) -> Tensor:
    """(K, H, W) mask: 1 where the neighbour at offset k is inside the image."""
    h, w = like.shape[-2:]
    pad = _pad_width(radius)
    ones = F.pad(like.new_ones((1, 1, h, w)), [pad] * 4)
    return torch.stack(
        [_shift(ones, dy, dx, pad)[0, 0] for dy, dx in _neighbor_offsets(radius)])


def _transition_weights(affinity: Tensor, radius: int, beta: float,
                        transpose: bool = False) -> Tensor:
    """Normalised weights (N, K + 1, H, W) of P, or of P^T if ``transpose``.

    Channel ``k < K`` multiplies the score at offset ``k``, channel ``K`` the
    pixel's own score.
    """
    offsets = _neighbor_offsets(radius)
    n, k, h, w = affinity.shape
    # in float64, rounded once: 2^log_t steps would amplify weight rounding
    aff64 = affinity.double()
    ones = aff64.new_ones((n, 1, h, w))
    weights = aff64.pow(beta) * _valid_mask(aff64, radius)
    weights = torch.cat([weights, ones], dim=1)
    weights = (weights / weights.sum(dim=1, keepdim=True)).to(affinity.dtype)
    if transpose:
        # P^T at p through offset o_k is P at p + o_k through -o_k = o_{K-1-k}.
        pad = _pad_width(radius)
        padded = F.pad(weights[:, :k].flip(1), [pad] * 4)
        shifted = [
            _shift(padded[:, i], dy, dx, pad) for i, (dy, dx) in enumerate(offsets)
        ]
        weights = torch.cat([torch.stack(shifted, dim=1), weights[:, k:]], dim=1)
    return weights


def _propagate(scores: Tensor, weights: Tensor, radius: int, steps: int) -> Tensor:
    """Apply the operator with the given weights ``steps`` times."""
    offsets = _neighbor_offsets(radius)
    num = len(offsets)
    weights = weights.unsqueeze(2)  # (N, K + 1, 1, H, W), broadcast over C
    out = scores
    pad = _pad_width(radius)
    for _ in range(steps):
        padded = F.pad(out, [pad] * 4)
        nxt = weights[:, num] * out
        for k, (dy, dx) in enumerate(offsets):
            nxt = nxt + weights[:, k] * _shift(padded, dy, dx, pad)
        out = nxt
    return out


def random_walk_reference(scores: Tensor,
                          affinity: Tensor,
                          radius: int,
                          beta: float = 10.0,
                          log_t: int = 8) -> Tensor:
    """Pure-PyTorch random walk, the oracle and fallback of :func:`random_walk`.

    Same arguments and result as :func:`random_walk`; runs on any device and
    is differentiable by autograd (w.r.t. ``scores`` and ``affinity``). Memory
    is O(N x (C + K) x H x W); no pixels x pixels matrix is built.
    """
    _check_inputs(scores, affinity, radius, beta, log_t)
    weights = _transition_weights(affinity, radius, beta)
    return _propagate(scores, weights, radius, 2**log_t)


class RandomWalkFunction(torch.autograd.Function):
    """Autograd function of :func:`random_walk` (gradient w.r.t. scores only).

    The forward pass applies P ``2**log_t`` times with the compiled kernel
    ``mmlabeleff._ext.random_walk_forward`` (CPU or CUDA), or with the
    pure-PyTorch reference when the extension is not built. The backward pass
    applies P^T ``2**log_t`` times to the incoming gradient. The affinity is a
    constant: it gets no gradient.
    """

    @staticmethod
    def forward(ctx, scores: Tensor, affinity: Tensor, radius: int, beta: float,
                log_t: int) -> Tensor:
        """Propagate ``scores`` ``2**log_t`` steps; see :func:`random_walk`.

        Returns:
            Tensor: The propagated scores, shaped as ``scores``.
        """
        ctx.radius, ctx.beta, ctx.log_t = radius, float(beta), log_t
        ctx.save_for_backward(affinity)
        return _apply(scores, affinity.detach(), radius, float(beta), log_t,
                      transpose=False)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out: Tensor):
        """Apply the transposed transition ``2**log_t`` times to the gradient.

        Returns:
            tuple: The gradient of ``scores`` and None for the other inputs.
        """
        (affinity, ) = ctx.saved_tensors
        grad_scores = None
        if ctx.needs_input_grad[0]:
            grad_scores = _apply(grad_out.contiguous(), affinity, ctx.radius, ctx.beta,
                                 ctx.log_t, transpose=True)
        return grad_scores, None, None, None, None


def _apply(scores: Tensor, affinity: Tensor, radius: int, beta: float, log_t: int,
           transpose: bool) -> Tensor:
    """P (or P^T) applied ``2**log_t`` times: compiled kernel or reference."""
    fn = get_ext_function('random_walk_forward', scores.device)
    if fn is not None:
        return fn(scores.contiguous(), affinity.contiguous(),
                  get_neighbor_offsets(radius), beta, log_t, transpose)
    weights = _transition_weights(affinity, radius, beta, transpose)
    return _propagate(scores, weights, radius, 2**log_t)



def random_walk(scores: Tensor,
                affinity: Tensor,
                radius: int,
                beta: float = 10.0,
                log_t: int = 8) -> Tensor:
    """Propagate score maps by a random walk over local affinities.

    Computes ``P^(2^log_t) @ scores`` per image and channel, where P is the
    row-normalised transition matrix of ``affinity ** beta`` plus a self loop
    of weight 1 (see the module docstring). IRN uses ``beta=10`` and squares
    the matrix ``exp_times=8`` times, i.e. ``log_t=8`` (256 steps); SPML uses
    ``beta=20`` on ``exp(5 (cos - 1))`` with 6 squarings, i.e. ``log_t=6``.

    Args:
        scores (Tensor): Score maps (e.g. CAMs), float32 or float64, shape
            (N, C, H, W).
        affinity (Tensor): Affinities in [0, 1], same dtype and device as
            ``scores``, shape (N, K, H, W) with
            ``K = len(get_neighbor_offsets(radius))``; ``affinity[n, k, y, x]``
            is the affinity between ``(y, x)`` and ``(y + dy_k, x + dx_k)``.
            Entries whose neighbour falls outside the image are ignored. It is
            treated as a constant: no gradient flows to it, even when it
            requires grad.
        radius (int | float): Neighbourhood radius the affinity was built
            with (see :func:`get_neighbor_offsets`).
        beta (float): Exponent applied to the affinity, > 0. Default 10.
        log_t (int): The walk takes ``2 ** log_t`` steps, in
            ``[0, MAX_LOG_T]`` (16, see :data:`MAX_LOG_T`). Default 8.

    Returns:
        Tensor: The propagated scores, same shape, dtype and device as
        ``scores``; differentiable w.r.t. ``scores``.

    Raises:
        TypeError: For non-tensor inputs, dtypes other than float32/float64,
            mismatched dtypes, or a non-integer ``radius``/``log_t``.
        ValueError: For wrong dimensions, an affinity with the wrong K,
            mismatched N/H/W, different devices, ``beta`` not finite and > 0,
            ``log_t`` outside ``[0, MAX_LOG_T]``, or NaN / infinite values in
            ``scores`` or ``affinity``; the message names the argument.
    """
    _check_inputs(scores, affinity, radius, beta, log_t)
    return RandomWalkFunction.apply(scores, affinity, radius, float(beta), log_t)


class RandomWalk(nn.Module):
    """Module form of :func:`random_walk`.

    Args:
        radius (int | float): Neighbourhood radius of the affinity.
        beta (float): Exponent applied to the affinity. Default 10.
        log_t (int): The walk takes ``2 ** log_t`` steps, at most
            ``2 ** MAX_LOG_T``. Default 8.
    """

    def __init__(self, radius: int, beta: float = 10.0, log_t: int = 8) -> None:
        super().__init__()
        _check_radius(radius)
        _check_beta(beta)
        _check_log_t(log_t)
        self.radius = radius
        self.beta = float(beta)
        self.log_t = log_t

    def forward(self, scores: Tensor, affinity: Tensor) -> Tensor:
        """Propagate ``scores`` (N, C, H, W) over ``affinity`` (N, K, H, W)."""
        return random_walk(scores, affinity, self.radius, self.beta, self.log_t)

    def extra_repr(self) -> str:
        """The walk's parameters, shown by ``print(module)``."""
        return f'radius={self.radius}, beta={self.beta}, log_t={self.log_t}'
