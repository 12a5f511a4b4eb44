"""Bilateral filtering with the permutohedral lattice (dense CRF's appearance kernel).

Adams, Baek and Davis, "Fast High-Dimensional Filtering Using the Permutohedral
Lattice" (Eurographics 2010), with the features, constants and normalisation
of Krähenbühl and Koltun, "Efficient Inference in Fully Connected CRFs with
Gaussian Edge Potentials" (NIPS 2011) as in their public densecrf code
(BSD-like; packaged as pydensecrf, MIT): the formulas, not the code, which is
written here. Tang et al., "On Regularized Losses for Weakly-supervised CNN
Segmentation" (ECCV 2018; public code ``meng-tang/rloss``) use this filter for
their dense CRF loss ``-sum_k S_k^T W S_k`` on a downscaled softmax ``S``
(``sigma_rgb=15``, ``sigma_xy=100`` times the downscale factor), whose gradient
is ``-2 W S``.

For values ``x`` (N, C, H, W) and colours ``I`` (N, 3, H, W), with pixel
positions ``p``, the op computes per image and channel

    y_i = sum_j k(i, j) x_j,
    k(i, j) = exp(-|p_i - p_j|^2 / (2 sxy^2) - |I_i - I_j|^2 / (2 srgb^2)),

approximately, in O(pixels) time: the features ``(x / sxy, y / sxy, r / srgb,
g / srgb, b / srgb)`` are embedded in the permutohedral lattice, values are
splatted onto the vertices, blurred with ``[1/2, 1, 1/2]`` along the six lattice
axes and sliced back, scaled by ``1 / (1 + 2^-5)`` (densecrf's constant). This
is exactly the bilateral message of :func:`mmlabeleff.ops.dense_crf`: the same
features, the same lattice (one implementation, ``ops/csrc/permutohedral``),
and with ``normalize=True`` the same symmetric normalisation
``y = n * K(n * x)``, ``n = 1 / sqrt(K 1)``. The lattice approximation is not
exact (see below).

Gradient. The kernel is symmetric, and so is each lattice blur pass, but blur
passes along different axes do not commute on the sparse lattice, so the
lattice filter ``F`` is symmetric only approximately: ``F a`` and ``F^T a``
differ by about 4%, ``<a, F b>`` and ``<F a, b>`` by 1-9% of their value on
random signed inputs (measured in the tests). The backward pass therefore
applies ``F^T`` exactly: the same filter with the blur passes in reverse axis
order (densecrf's ``reverse`` flag). There is no gradient with respect to the
image.

The lattice filter approximates the Gaussian sum above only loosely: on small
inputs it is about 0.48 times the exact sum (densecrf's lattice is not
gain-matched; ``normalize=True`` removes the gain) with a shape error of about
10%, and as a weighted average (``F x / F 1``) it is within about 1.5% of the
exact one.

:func:`bilateral_filter` runs the compiled kernels of ``mmlabeleff._ext``
(float32; CPU with ``at::parallel_for`` over images and blocks of eight
channels, CUDA on GPU; both build the same lattice bit for bit and agree to
float rounding) and falls back to :func:`bilateral_filter_reference`, built on
:class:`~mmlabeleff.ops.permutohedral.PermutohedralLattice`, with a one-time
warning when they are missing; float64 values always run the reference (for
gradcheck).
"""
import math
from typing import Tuple

import torch
from torch import Tensor, nn
from torch.autograd import Function
from torch.autograd.function import once_differentiable

from .ext_loader import get_ext_function
from .permutohedral import (
    PermutohedralLattice,
    check_feature_range,
    check_finite,
    check_sigma,
    image_features,
    symmetric_normalisation,
    to_float32,
)

__all__ = [
    'bilateral_filter', 'bilateral_filter_reference', 'BilateralFilterFunction',
    'BilateralFilter'
]


def _check_inputs(x: Tensor, image: Tensor, sxy: float, srgb: float,
                  normalize: bool) -> Tuple[float, float]:
    """Validate the arguments; return ``(sxy, srgb)`` as floats."""
    for name, t in (('x', x), ('image', image)):
        if not isinstance(t, Tensor):
            raise TypeError(f'{name} must be a torch.Tensor, got {type(t).__name__}')
    if x.dim() != 4:
        raise ValueError(f'x must be (N, C, H, W), got shape {tuple(x.shape)}')
    if x.dtype not in (torch.float32, torch.float64):
        raise TypeError(f'x must be float32 (or float64: reference path), got '
                        f'{x.dtype}')
    if image.dim() != 4 or image.shape[1] != 3:
        raise ValueError('image must be (N, 3, H, W) RGB colours, got shape '
                         f'{tuple(image.shape)}')
    if image.dtype != torch.uint8 and not image.is_floating_point():
        raise TypeError(f'image must be uint8 or floating point, got {image.dtype}')
    n, _, h, w = x.shape
    if (image.shape[0], image.shape[2], image.shape[3]) != (n, h, w):
        raise ValueError(f'x {tuple(x.shape)} and image {tuple(image.shape)} '
                         'differ in batch or size')
    if x.device != image.device:
        raise ValueError(f'x is on {x.device} but image on {image.device}')
    if not isinstance(normalize, bool):
        raise TypeError(f'normalize must be a bool, got {type(normalize).__name__}')
    sxy = check_sigma('sxy', sxy)
    srgb = check_sigma('srgb', srgb)
    check_finite('x', x)
    if image.numel() == 0:
        cmax = 0.0
    elif image.dtype == torch.uint8:
        cmax = float(image.max())
    else:
        cmax = float(image.abs().max())
        if not math.isfinite(cmax):
            raise ValueError('image contains NaN or infinite values')
    check_feature_range(
        [max(w - 1, 0) / to_float32(sxy), max(h - 1, 0) / to_float32(sxy)] +
        [cmax / to_float32(srgb)] * 3, ['sxy'] * 2 + ['srgb'] * 3)
    return sxy, srgb


def _reference_filter(x: Tensor, image: Tensor, sxy: float, srgb: float,
                      normalize: bool, transpose: bool) -> Tensor:
    """The filter in PyTorch, without argument checks (see the public one)."""
    n, c, h, w = x.shape
    if x.numel() == 0:
        return x.new_zeros(x.shape)
    out = []
    for i in range(n):
        lattice = PermutohedralLattice(image_features(image[i], sxy, srgb))
        values = x[i].reshape(c, h * w).t()
        if normalize:
            norm = symmetric_normalisation(lattice).to(x.dtype)
            filtered = norm * lattice.filter(norm * values, reverse=transpose)
        else:
            filtered = lattice.filter(values, reverse=transpose)
        out.append(filtered.t().reshape(c, h, w))
    return torch.stack(out)


def bilateral_filter_reference(x: Tensor, image: Tensor, sxy: float, srgb: float,
                               normalize: bool = False,
                               transpose: bool = False) -> Tensor:
    """Bilateral filter in pure PyTorch: the oracle and fallback of the op.

    Same arguments and result as :func:`bilateral_filter`, plus
    ``transpose``; runs on any device, accepts float64 values and is
    differentiable by autograd with respect to ``x`` (the lattice itself is
    built in float32 from the image, as in the kernels).

    Args:
        x (Tensor): (N, C, H, W) values, float32 or float64.
        image (Tensor): (N, 3, H, W) colours, uint8 or float (0..255).
        sxy (float): Position standard deviation, pixels.
        srgb (float): Colour standard deviation, intensity levels.
        normalize (bool): Symmetric normalisation ``n * K(n * x)``.
        transpose (bool): Apply the transposed lattice filter (blur passes in
            reverse axis order), which the backward pass of the op uses.

    Returns:
        Tensor: (N, C, H, W) filtered values, dtype of ``x``.
    """
    sxy, srgb = _check_inputs(x, image, sxy, srgb, normalize)
    return _reference_filter(x, image, sxy, srgb, normalize, bool(transpose))


def _apply(x: Tensor, image: Tensor, sxy: float, srgb: float, normalize: bool,
           transpose: bool) -> Tensor:
    """The filter (or its transpose): compiled kernel, or the reference."""
    kernel = (get_ext_function('bilateral_filter_forward', x.device)
              if x.dtype == torch.float32 else None)
    if kernel is None:
        with torch.no_grad():
            return _reference_filter(x, image, sxy, srgb, normalize, transpose)
    if image.dtype not in (torch.uint8, torch.float32):
        image = image.float()
    return kernel(x.contiguous(), image.contiguous(), float(sxy), float(srgb),
                  bool(normalize), bool(transpose))


class BilateralFilterFunction(Function):
    """Autograd function of :func:`bilateral_filter` (gradient w.r.t. ``x``).

    The forward pass applies the lattice filter ``F`` with the compiled kernel
    (float32) or the reference; the backward pass applies ``F^T`` (the blur
    passes in reverse order) to the incoming gradient. The image gets no
    gradient.
    """

    @staticmethod
    def forward(ctx, x: Tensor, image: Tensor, sxy: float, srgb: float,
                normalize: bool) -> Tensor:
        """Filter ``x``; the arguments are those of :func:`bilateral_filter`.

        Returns:
            Tensor: (N, C, H, W) filtered values, dtype of ``x``.
        """
        ctx.sxy, ctx.srgb, ctx.normalize = sxy, srgb, normalize
        ctx.save_for_backward(image)
        return _apply(x.detach(), image.detach(), sxy, srgb, normalize,
                      transpose=False)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out: Tensor):
        """Apply the transposed filter to the gradient.

        Returns:
            tuple: The gradient of ``x`` and None for the other inputs.
        """
        (image, ) = ctx.saved_tensors
        grad_x = None
        if ctx.needs_input_grad[0]:
            grad_x = _apply(grad_out.contiguous(), image, ctx.sxy, ctx.srgb,
                            ctx.normalize, transpose=True)
        return grad_x, None, None, None, None


def bilateral_filter(x: Tensor, image: Tensor, sxy: float, srgb: float,
                     normalize: bool = False) -> Tensor:
    """Filter ``x`` with the bilateral kernel of ``image`` (permutohedral lattice).

    ``y_i ~ sum_j exp(-|p_i - p_j|^2 / (2 sxy^2) - |I_i - I_j|^2 / (2 srgb^2))
    x_j`` for every image and channel, in O(pixels); see the module docstring
    for the maths and the sources. With ``normalize=True`` it is exactly the
    bilateral message of :func:`~mmlabeleff.ops.dense_crf` (same lattice,
    same symmetric normalisation); with ``normalize=False`` the unnormalised
    filter ``W x`` of the rloss dense CRF loss (Tang et al., ECCV 2018).

    Args:
        x (Tensor): (N, C, H, W) values, float32 (compiled kernels) or float64
            (the reference, e.g. for gradcheck); no NaN or infinity.
        image (Tensor): (N, 3, H, W) RGB colours, 0..255, uint8 or float, same
            device and N, H, W as ``x``. It gets no gradient.
        sxy (float): Position standard deviation in pixels, > 0.
        srgb (float): Colour standard deviation in intensity levels, > 0.
        normalize (bool): Apply densecrf's symmetric normalisation
            ``n * K(n * x)``, ``n = 1 / sqrt(K 1)``. Default False.

    Returns:
        Tensor: (N, C, H, W) filtered values, dtype and device of ``x``;
        differentiable w.r.t. ``x`` (the backward pass applies the transposed
        lattice filter).

    Raises:
        TypeError: For non-tensors, or dtypes other than the above.
        ValueError: For wrong shapes or devices, NaN or infinite values in
            ``x`` or ``image``, a standard deviation that is not finite and > 0
            (in float32), or one too small for the input (the features
            divided by it would leave the lattice's int16 range); the message
            names the argument.
    """
    sxy, srgb = _check_inputs(x, image, sxy, srgb, normalize)
    return BilateralFilterFunction.apply(x, image, sxy, srgb, normalize)


class BilateralFilter(nn.Module):
    """Module form of :func:`bilateral_filter`.

    Args:
        sxy (float): Position standard deviation in pixels.
        srgb (float): Colour standard deviation in intensity levels.
        normalize (bool): Symmetric normalisation (dense CRF message).
            Default False.

    Example:
        >>> filt = BilateralFilter(sxy=50, srgb=15)   # rloss at half size
        >>> w_s = filt(probs_small, images_small)      # W S
        >>> loss = -(probs_small * w_s).sum() / probs_small.shape[0]
    """

    def __init__(self, sxy: float, srgb: float, normalize: bool = False) -> None:
        super().__init__()
        self.sxy = check_sigma('sxy', sxy)
        self.srgb = check_sigma('srgb', srgb)
        if not isinstance(normalize, bool):
            raise TypeError(f'normalize must be a bool, got {type(normalize).__name__}')
        self.normalize = normalize

    def forward(self, x: Tensor, image: Tensor) -> Tensor:
        """Filter ``x`` (N, C, H, W) with the kernel of ``image`` (N, 3, H, W)."""
        return bilateral_filter(x, image, self.sxy, self.srgb, self.normalize)

    def extra_repr(self) -> str:
        """The filter's parameters, shown by ``print(module)``."""
        return f'sxy={self.sxy}, srgb={self.srgb}, normalize={self.normalize}'
