"""Local Aggregation Module (LAM) of BLPSeg.

Wang, Zhang, Kan, Shan and Chen, "BLPSeg: Balance the Label Preference in
Scribble-Supervised Semantic Segmentation", IEEE TIP 2023, Eqs. 3-8: the
segmentation logits ``X`` (K x N, N pixels at stride 4) are replaced by
``X A`` with

    A_ij = P_low(i, j) P_dis(i, j) / sum_k P_low(k, j) P_dis(k, j)
    P_low(i, j) = softmax_i(f_i . f_j),  P_dis(i, j) = exp(-|s_i - s_j|^2 / 2 sigma^2)

where ``f`` is a low-level feature of the input image (a 4x4, stride-4
convolution, LayerNorm and a 1x1 convolution) and ``s`` the pixel position in
stride-4 pixels. The loss is only on labelled pixels, but ``dL/dX = dL/d(XA)
A^T`` reaches every pixel ("gradient diffusion", Eq. 7).

Constants and the exact order of operations (softmax over ``i``, product with
the spatial term, column renormalisation with ``eps = 1e-7``, sigma 6, the
patch embedding's layers) follow the public BLPSeg code
(github.com/YudeWang/BLPSeg, MIT licence); the code here is our own.

Deviation (documented choice): the public code builds the dense ``N x N``
matrix (N = 96^2 at train time, 18.5k positions for a 1.25x VOC test image,
N^2 floats at 1024x1024 would be 17 GB). Because the softmax and the
renormalisation both run over ``i`` for a fixed column ``j``, a block of
columns can be computed from all rows alone, so :func:`local_aggregation`
evaluates ``A`` ``chunk_size`` columns at a time: the result is the dense one
(the same arithmetic per column), and memory is ``O(N * chunk_size)``. The
backward pass is written by hand and recomputes each block, so training
memory does not grow with ``N^2`` either (a map that fits in one block keeps
it from the forward pass instead). The spatial term is computed
from integer coordinates exactly (the public code's ``torch.cdist`` squares a
matmul-based distance, which differs by ~1e-3 in ``d^2``, i.e. ~1e-5 relative in
``P_dis``).
"""
import functools
from typing import Optional, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import kaiming_init
from mmseg.models.utils import PatchEmbed
from torch import Tensor

__all__ = [
    'LocalAggregationModule', 'local_aggregation', 'local_aggregation_reference',
    'pixel_coordinates'
]


def pixel_coordinates(height: int, width: int,
                      device: Optional[torch.device] = None) -> Tensor:
    """``(height * width, 2)`` float (row, column) of a grid, row-major."""
    rows = torch.arange(height, device=device, dtype=torch.float32)
    cols = torch.arange(width, device=device, dtype=torch.float32)
    grid = torch.stack(torch.meshgrid(rows, cols, indexing='ij'), dim=-1)
    return grid.reshape(-1, 2)


def local_aggregation_reference(logits: Tensor, feats: Tensor,
                                sigma: Union[float, Tensor] = 6.0,
                                eps: float = 1e-7) -> Tensor:
    """The dense form of :func:`local_aggregation`, written as the paper.

    Builds the ``(h w) x (h w)`` matrices ``P_low`` (softmax over ``i``),
    ``P_dis`` and ``A`` explicitly, in the order of operations of the public
    code, and lets autograd differentiate them. It is the test oracle of
    :func:`local_aggregation` and the "dense LAM" of the benchmarks; its
    memory grows with ``(h w)^2``.

    Args:
        logits (Tensor): (N, K, h, w) logits.
        feats (Tensor): (N, D, h, w) low-level features.
        sigma (float | Tensor): Spatial standard deviation. Defaults to 6.
        eps (float): Column-sum epsilon. Defaults to 1e-7.

    Returns:
        Tensor: (N, K, h, w) aggregated logits.
    """
    num, channels, height, width = logits.shape
    flat = feats.flatten(2)
    p_low = torch.einsum('ndi,ndj->nij', flat, flat).softmax(dim=1)
    coords = pixel_coordinates(height, width, logits.device).to(logits.dtype)
    dist2 = (coords[:, None, :] - coords[None, :, :]).square().sum(-1)
    p_dis = torch.exp(-dist2 / (2 * torch.as_tensor(sigma, dtype=logits.dtype) ** 2))
    affinity = p_low * p_dis
    affinity = affinity / (affinity.sum(dim=1, keepdim=True) + eps)
    return torch.bmm(logits.flatten(2), affinity).reshape(
        num, channels, height, width)


def _squared_distances(coords: Tensor, start: int, stop: int) -> Tensor:
    """``(L, N)`` squared distances of rows ``start:stop`` to all positions.

    Exact for integer coordinates; built from the row and column differences
    separately, so no ``(L, N, 2)`` intermediate is allocated.
    """
    rows, cols = coords[:, 0], coords[:, 1]
    dist2 = (rows[start:stop, None] - rows[None, :]).square_()
    return dist2.add_((cols[start:stop, None] - cols[None, :]).square_())


def _spatial_block(coords: Tensor, sigma: Tensor, start: int, stop: int,
                   with_dist2: bool) -> Tuple[Tensor, Optional[Tensor]]:
    """``W`` (L, N) = ``exp(-d^2 / 2 sigma^2)`` of rows ``start:stop``.

    Returns ``(W, d^2)``; ``d^2`` only when ``with_dist2`` (the gradient of a
    learnable sigma needs it). A whole-map ``W`` of a fixed sigma is taken
    from a small cache, since training maps keep their size.
    """
    if not with_dist2 and stop - start == coords.shape[0]:
        return _cached_spatial(coords.shape[0], int(coords[-1, 1].item()) + 1,
                               float(sigma), coords.device, coords.dtype), None
    dist2 = _squared_distances(coords, start, stop)
    return torch.exp(dist2 / (-2 * sigma * sigma)), dist2


@functools.lru_cache(maxsize=4)
def _cached_spatial(length: int, width: int, sigma: float,
                    device: torch.device, dtype: torch.dtype) -> Tensor:
    coords = pixel_coordinates(length // width, width, device).to(dtype)
    dist2 = _squared_distances(coords, 0, length)
    return torch.exp(dist2 / (-2.0 * sigma * sigma))


def _row_weights(feats: Tensor, start: int, stop: int) -> Tensor:
    """``P`` (N, L, N): ``P[:, j, i] = exp(s_ij - max_i s_ij)`` for ``j`` in
    ``start:stop``, with ``s_ij = f_i . f_j``.

    ``s`` is symmetric, so column ``j`` of the paper's ``P_low`` (a softmax
    over ``i``) is row ``j`` here, and every reduction over ``i`` runs along
    contiguous memory.
    """
    sim = torch.bmm(feats[:, :, start:stop].transpose(1, 2), feats)
    # exp of (s - max) below -87 is a float32 subnormal, which is slow on
    # CPUs and negligible next to the row's maximum term exp(0) = 1.
    return sim.sub_(sim.amax(dim=2, keepdim=True)).clamp_(min=-87.0).exp_()


class _LocalAggregationFunction(torch.autograd.Function):
    """``X A`` computed ``chunk`` columns at a time, with a hand-written backward.

    With ``P_ij = exp(s_ij - m_j)`` (``m_j = max_i s_ij``), ``W`` the spatial
    factor, ``E = P W``, ``Z_j = sum_i P_ij`` and ``D_j = sum_i E_ij + eps
    Z_j``, the public code's ``A`` is exactly ``E_ij / D_j`` (the softmax
    denominator cancels except in the ``eps`` term, which is kept). For the
    gradient, with ``G = dL/dout`` and ``c_j = sum_k G_kj out_kj``::

        dL/dX    = (G / D) E^T
        dL/ds_ij = t_ij - P_ij v_j,  t_ij = E_ij ((X^T G)_ij - c_j) / D_j,
                   v_j = sum_i t_ij / Z_j  (= eps c_j / D_j)
        dL/df    = F dS^T, plus F dS added at the block's columns
        dL/dsigma = sum_ij t_ij d_ij^2 / sigma^3

    Blocks are stored transposed (``[j, i]``, see :func:`_row_weights`), so
    neither pass holds more than a few ``N x L x chunk`` blocks; when all
    columns fit in one block the forward pass keeps ``P`` and ``E`` for the
    backward pass instead of recomputing them.
    """

    @staticmethod
    def forward(ctx, logits: Tensor, feats: Tensor, coords: Tensor,
                sigma: Tensor, chunk: int, eps: float) -> Tensor:
        length = logits.shape[2]
        outs, denoms, z_sums = [], [], []
        saved = (None, None)
        for start in range(0, length, chunk):
            stop = min(start + chunk, length)
            prob = _row_weights(feats, start, stop)
            spatial, _ = _spatial_block(coords, sigma, start, stop, False)
            affinity = prob * spatial
            z_sum = prob.sum(dim=2)
            denom = affinity.sum(dim=2).add_(z_sum, alpha=eps)
            if stop - start == length and any(ctx.needs_input_grad[:4]):
                saved = (prob, affinity)  # kept for the backward pass
            outs.append(torch.bmm(logits, affinity.transpose(1, 2))
                        .div_(denom[:, None, :]))
            denoms.append(denom)
            z_sums.append(z_sum)
            del prob, affinity
        out = torch.cat(outs, dim=2) if len(outs) > 1 else outs[0]
        ctx.chunk = chunk
        ctx.save_for_backward(logits, feats, coords, sigma, out,
                              torch.cat(denoms, dim=1), torch.cat(z_sums, dim=1),
                              *saved)
        return out

    @staticmethod
    def backward(ctx, grad_out: Tensor):
        (logits, feats, coords, sigma, out, denom, z_sum, saved_p,
         saved_e) = ctx.saved_tensors
        chunk = ctx.chunk
        length = logits.shape[2]
        grad_out = grad_out.contiguous()
        need_x, need_f, _, need_sigma = ctx.needs_input_grad[:4]
        grad_x = torch.zeros_like(logits) if need_x else None
        grad_f = torch.zeros_like(feats) if need_f else None
        grad_sigma = torch.zeros_like(sigma) if need_sigma else None
        inv_d = denom.reciprocal()  # (N, L)
        grad_scaled = grad_out * inv_d[:, None, :]  # G_kj / D_j
        coef = (grad_out * out).sum(dim=1).mul_(inv_d)  # c_j / D_j
        for start in range(0, length, chunk):
            stop = min(start + chunk, length)
            dist2 = None
            if need_sigma:
                _, dist2 = _spatial_block(coords, sigma, start, stop, True)
            if saved_p is not None:
                prob, affinity = saved_p, saved_e
            else:
                prob = _row_weights(feats, start, stop)
                spatial, _ = _spatial_block(coords, sigma, start, stop, False)
                affinity = prob * spatial
            grad_block = grad_scaled[:, :, start:stop]
            if need_x:
                grad_x += torch.bmm(grad_block, affinity)
            if not (need_f or need_sigma):
                continue
            # t_ij = E_ij ((X^T G)_ij - c_j) / D_j, stored [j, i]
            grad_s = torch.bmm(grad_block.transpose(1, 2), logits)
            grad_s.sub_(coef[:, start:stop, None]).mul_(affinity)
            if need_sigma:
                grad_sigma += (grad_s * dist2).sum() / sigma ** 3
            if need_f:
                # dL/ds_ij = t_ij - P_ij v_j with v_j = sum_i t_ij / Z_j, which
                # is eps c_j / D_j exactly, but computed from t it cancels
                # t's rounding in a saturated column as a softmax backward
                # does (the explicit eps term loses it in float32).
                v_j = grad_s.sum(dim=2, keepdim=True).div_(
                    z_sum[:, start:stop, None])
                grad_s.addcmul_(prob, v_j, value=-1.0)
                # f_i and f_j both enter s_ij; a transposed operand costs a
                # matrix product nothing (an elementwise transpose would)
                grad_f.baddbmm_(feats[:, :, start:stop], grad_s)
                grad_f[:, :, start:stop].baddbmm_(feats, grad_s.transpose(1, 2))
        return grad_x, grad_f, None, grad_sigma, None, None


def local_aggregation(logits: Tensor,
                      feats: Tensor,
                      sigma: Union[float, Tensor] = 6.0,
                      chunk_size: Optional[int] = 2048,
                      eps: float = 1e-7) -> Tensor:
    """Apply BLPSeg's affinity ``A`` to ``logits`` (Eqs. 3-5, 8).

    Equals :func:`local_aggregation_reference` (values and gradients, up to
    float rounding) with memory ``O(N * chunk_size)`` instead of ``O(N^2)``.

    Args:
        logits (Tensor): (N, K, h, w) logits.
        feats (Tensor): (N, D, h, w) low-level features at the same size.
        sigma (float | Tensor): Spatial standard deviation in pixels of
            ``logits``. Defaults to 6 (the paper's best, Table IV).
        chunk_size (int, optional): Columns of ``A`` per block; None builds
            all columns at once. Defaults to 2048 (one block for a 44x44
            training map, 7 blocks for a 90x120 CamVid val map).
        eps (float): Added to each column sum before renormalising, as the
            public code does. Defaults to 1e-7.

    Returns:
        Tensor: (N, K, h, w) aggregated logits (float32 for half-precision
        inputs, which are computed in float32 with autocast disabled).
    """
    if logits.dim() != 4 or feats.dim() != 4:
        raise ValueError('logits and feats must be (N, C, h, w), got '
                         f'{tuple(logits.shape)} and {tuple(feats.shape)}')
    if logits.shape[0] != feats.shape[0] or logits.shape[2:] != feats.shape[2:]:
        raise ValueError(f'feats {tuple(feats.shape)} do not match logits '
                         f'{tuple(logits.shape)} in batch or size')
    if chunk_size is not None and chunk_size < 1:
        raise ValueError(f'chunk_size must be positive or None, got {chunk_size}')
    if not isinstance(sigma, Tensor):
        sigma = torch.tensor(float(sigma))
    # Mixed precision: the exponentials and the hand-written backward need
    # float32 (a saturated softmax loses its gradient in half precision), so
    # half / bfloat16 inputs are computed in float32 with autocast off and
    # the result is returned in float32.
    if logits.dtype in (torch.float16, torch.bfloat16):
        logits = logits.float()
    if feats.dtype != logits.dtype:
        feats = feats.to(logits.dtype)
    sigma = sigma.to(device=logits.device, dtype=logits.dtype)
    if not bool(torch.isfinite(sigma.detach())) or float(sigma.detach()) <= 0:
        raise ValueError('sigma must be finite and positive, got '
                         f'{float(sigma.detach())}')
    two_var = 2 * sigma.detach() * sigma.detach()
    if not bool(torch.isfinite(two_var)) or float(two_var) <= 0:
        raise ValueError(f'sigma={float(sigma.detach()):g} is out of range: '
                         f'2 sigma^2 is not a positive finite {logits.dtype}')
    num, channels, height, width = logits.shape
    length = height * width
    if length == 0:
        raise ValueError(f'logits and feats are empty maps: {tuple(logits.shape)}')
    chunk = length if chunk_size is None else min(int(chunk_size), length)
    coords = pixel_coordinates(height, width, logits.device).to(logits.dtype)
    with torch.autocast(device_type=logits.device.type, enabled=False):
        out = _LocalAggregationFunction.apply(
            logits.reshape(num, channels, length).contiguous(),
            feats.reshape(num, feats.shape[1], length).contiguous(),
            coords, sigma, chunk, float(eps))
    return out.reshape(num, channels, height, width)


class LocalAggregationModule(nn.Module):
    """BLPSeg's LAM: a low-level image embedding and :func:`local_aggregation`.

    The embedding is mmseg's :class:`~mmseg.models.utils.PatchEmbed` (a
    ``patch_size`` x ``patch_size`` convolution with that stride, inputs padded
    at the bottom-right corner to a multiple of it, then LayerNorm) followed by
    a 1x1 convolution, as in the public BLPSeg code. It is trained only
    through ``A`` (there is no loss of its own).

    Args:
        embed_dims (int): Channels of the low-level feature (the public code
            uses the decoder width, 256).
        in_channels (int): Image channels. Defaults to 3.
        patch_size (int): Kernel and stride of the embedding; 4 matches a
            stride-4 decoder. Defaults to 4.
        sigma (float): Spatial standard deviation in output pixels.
            Defaults to 6.
        learnable_sigma (bool): Learn ``sigma`` (Table IV's "learnable
            sigma"; it is kept positive as ``exp`` of a parameter).
            Defaults to False.
        chunk_size (int, optional): Columns of ``A`` per block (see
            :func:`local_aggregation`). Defaults to 2048.
        eps (float): Column-sum epsilon. Defaults to 1e-7.
    """

    def __init__(self,
                 embed_dims: int,
                 in_channels: int = 3,
                 patch_size: int = 4,
                 sigma: float = 6.0,
                 learnable_sigma: bool = False,
                 chunk_size: Optional[int] = 2048,
                 eps: float = 1e-7) -> None:
        super().__init__()
        if not sigma > 0:
            raise ValueError(f'sigma must be positive, got {sigma}')
        self.patch_embed = PatchEmbed(
            in_channels=in_channels,
            embed_dims=embed_dims,
            kernel_size=patch_size,
            stride=patch_size,
            padding='corner',
            norm_cfg=dict(type='LN'))
        self.proj = nn.Conv2d(embed_dims, embed_dims, kernel_size=1)
        self.learnable_sigma = learnable_sigma
        log_sigma = torch.tensor(float(sigma)).log()
        if learnable_sigma:
            self.log_sigma = nn.Parameter(log_sigma)
        else:
            self.register_buffer('log_sigma', log_sigma, persistent=False)
        self.chunk_size = chunk_size
        self.eps = eps

    @property
    def sigma(self) -> Tensor:
        """The spatial standard deviation (a scalar tensor)."""
        return self.log_sigma.exp()

    def init_weights(self) -> None:
        """Kaiming-normal (fan-out, ReLU) convolutions, as the public code."""
        kaiming_init(self.patch_embed.projection, mode='fan_out', bias=0)
        kaiming_init(self.proj, mode='fan_out', bias=0)

    def embed(self, image: Tensor, size) -> Tensor:
        """Low-level features of ``image``, resized to ``size`` if needed.

        Args:
            image (Tensor): (N, C, H, W) normalised image.
            size (tuple[int, int]): (h, w) of the logits.

        Returns:
            Tensor: (N, embed_dims, h, w).
        """
        tokens, (height, width) = self.patch_embed(image)
        feats = tokens.transpose(1, 2).reshape(image.shape[0], -1, height, width)
        feats = self.proj(feats)
        if (height, width) != tuple(size):
            feats = F.interpolate(feats, size=tuple(size), mode='bilinear',
                                  align_corners=False)
        return feats

    def forward(self, logits: Tensor, image: Tensor) -> Tensor:
        """Aggregate ``logits`` with affinities computed from ``image``.

        Args:
            logits (Tensor): (N, K, h, w) logits at the decoder's stride.
            image (Tensor): (N, C, H, W) normalised network input.

        Returns:
            Tensor: (N, K, h, w) aggregated logits.
        """
        feats = self.embed(image, logits.shape[2:])
        return local_aggregation(logits, feats, self.sigma, self.chunk_size,
                                 self.eps)
