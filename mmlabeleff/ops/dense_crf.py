"""Fully connected CRF (dense CRF) mean-field inference.

Krähenbühl and Koltun, "Efficient Inference in Fully Connected CRFs with
Gaussian Edge Potentials", NIPS 2011: the unary comes from a segmenter's class
probabilities, the pairwise term is a weighted sum of two Gaussian kernels, an
appearance (bilateral) kernel over position and colour and a smoothness kernel
over position, with a label compatibility (Potts by default). Mean-field
inference filters the current marginals with both kernels (permutohedral
lattice, see :mod:`mmlabeleff.ops.permutohedral`) and renormalises.

Parameters and semantics follow the public densecrf / pydensecrf code
(Krähenbühl, BSD-like; pydensecrf, MIT) so results can be compared:
``sxy``/``srgb`` are the kernel standard deviations in pixels and intensity
levels, a scalar ``compat`` is a Potts weight, a (C, C) ``compat`` is a
symmetric penalty matrix, kernels are symmetrically normalised, the unary of
probabilities is ``-log(clip(p, 1e-5, 1))``. The code is written from those
formulas. :func:`dense_crf` runs the compiled kernels of ``mmlabeleff._ext``
(C++ with ``at::parallel_for`` on CPU, CUDA on GPU) and falls back to
:func:`dense_crf_reference` with a one-time warning when they are missing.

Every input is checked on the host before any lattice is built, whatever the
device: the standard deviations must be finite and > 0, the features divided
by them must stay inside the lattice's range (see
:mod:`mmlabeleff.ops.permutohedral`), and float inputs must hold no NaN or
infinity; each failure is a ``ValueError`` naming the argument. ``num_iters=0``
returns ``softmax(-U)`` (the clipped, renormalised probabilities, or the
softmax of the logits) on every device without building a lattice.
"""
import math
from typing import Union

import torch
from torch import Tensor, nn
from torch.autograd import Function

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

__all__ = ['dense_crf', 'dense_crf_reference', 'DenseCRF', 'DenseCRFFunction']

Compat = Union[float, Tensor]

_PROB_CLIP = 1e-5  # pydensecrf.utils.unary_from_softmax


def _check_compat(compat: Compat, num_classes: int, name: str) -> Tensor:
    """A compatibility as a (C, C) float32 CPU penalty matrix (Potts: -w I)."""
    if isinstance(compat, Tensor) and compat.dim() > 0:
        if tuple(compat.shape) != (num_classes, num_classes):
            raise ValueError(f'{name} must be a number or a ({num_classes}, '
                             f'{num_classes}) matrix for {num_classes} classes, '
                             f'got shape {tuple(compat.shape)}')
        mat = compat.detach().float().cpu()
        check_finite(name, mat)
        return 0.5 * (mat + mat.t())
    try:
        weight = float(compat)
    except (TypeError, ValueError):
        raise TypeError(f'{name} must be a number or a (C, C) tensor, got '
                        f'{type(compat).__name__}') from None
    if not math.isfinite(weight):
        raise ValueError(f'{name} must be finite, got {weight}')
    return -weight * torch.eye(num_classes)


def _check_inputs(unary: Tensor, images: Tensor, input_type: str, num_iters: int,
                  gaussian_sxy: float, bilateral_sxy: float,
                  bilateral_srgb: float) -> None:
    if not isinstance(unary, Tensor) or not isinstance(images, Tensor):
        raise TypeError('dense_crf expects tensors for unary and images')
    if unary.dim() != 4:
        raise ValueError('unary must be (N, C, H, W) probabilities or logits, '
                         f'got shape {tuple(unary.shape)}')
    if not unary.is_floating_point():
        raise TypeError(f'unary must be a floating tensor, got {unary.dtype}')
    if images.dim() != 4 or images.shape[1] != 3:
        raise ValueError('images must be (N, 3, H, W) uint8 colour images, '
                         f'got shape {tuple(images.shape)}')
    if images.dtype != torch.uint8:
        raise TypeError(f'images must be uint8 (0..255), got {images.dtype}')
    n, c, h, w = unary.shape
    if (images.shape[0], images.shape[2], images.shape[3]) != (n, h, w):
        raise ValueError(f'unary {tuple(unary.shape)} and images '
                         f'{tuple(images.shape)} differ in batch or size')
    if c < 1 or h < 1 or w < 1:
        raise ValueError(f'unary must not be empty, got {tuple(unary.shape)}')
    if unary.device != images.device:
        raise ValueError(f'unary is on {unary.device} but images on '
                         f'{images.device}')
    if input_type not in ('prob', 'logits'):
        raise ValueError("input_type must be 'prob' or 'logits', got "
                         f'{input_type!r}')
    if isinstance(num_iters, bool) or int(num_iters) != num_iters or num_iters < 0:
        raise ValueError(f'num_iters must be a non-negative integer, got '
                         f'{num_iters}')
    # the host checks of the lattice (also in the C++ entry point)
    gsx = check_sigma('gaussian_sxy', gaussian_sxy)
    bsx = check_sigma('bilateral_sxy', bilateral_sxy)
    bsr = check_sigma('bilateral_srgb', bilateral_srgb)
    check_finite('unary', unary)
    f32 = to_float32
    xmax, ymax = float(w - 1), float(h - 1)
    check_feature_range([xmax / f32(gsx), ymax / f32(gsx)],
                        ['gaussian_sxy'] * 2)
    cmax = float(images.max()) if images.numel() else 0.0
    check_feature_range(
        [xmax / f32(bsx), ymax / f32(bsx)] + [cmax / f32(bsr)] * 3,
        ['bilateral_sxy'] * 2 + ['bilateral_srgb'] * 3)


def _normalised_filter(lattice: PermutohedralLattice):
    """Symmetrically normalised filter ``v -> n * K(n * v)``, ``n = 1/sqrt(K1)``."""
    norm = symmetric_normalisation(lattice)
    return lambda v: norm * lattice.filter(norm * v)


def dense_crf_reference(unary: Tensor, images: Tensor, gaussian_sxy: float = 3.0,
                        gaussian_compat: Compat = 3.0,
                        bilateral_sxy: float = 80.0,
                        bilateral_srgb: float = 13.0,
                        bilateral_compat: Compat = 10.0, num_iters: int = 10,
                        input_type: str = 'prob') -> Tensor:
    """Dense CRF inference in pure PyTorch; same arguments as :func:`dense_crf`.

    Mean field as in densecrf: ``Q = softmax(-U)``, then ``num_iters`` times
    ``Q = softmax(-U - sum_k mu_k (n_k * K_k(n_k * Q)))``.
    """
    _check_inputs(unary, images, input_type, num_iters, gaussian_sxy,
                  bilateral_sxy, bilateral_srgb)
    n, c, h, w = unary.shape
    kernels = [(gaussian_sxy, None, _check_compat(gaussian_compat, c,
                                                  'gaussian_compat')),
               (bilateral_sxy, bilateral_srgb,
                _check_compat(bilateral_compat, c, 'bilateral_compat'))]
    out = []
    for i in range(n):
        u = unary[i].detach().float().reshape(c, -1).t()  # (P, C)
        if input_type == 'prob':
            neg_u = torch.log(u.clamp(_PROB_CLIP, 1.0))
        else:
            neg_u = torch.log_softmax(u, dim=1)
        filters = []
        for sxy, srgb, compat in kernels:
            if torch.count_nonzero(compat) == 0 or num_iters == 0:
                continue  # no lattice needed
            lattice = PermutohedralLattice(image_features(images[i], sxy, srgb))
            filters.append((_normalised_filter(lattice), compat.to(u.device)))
        q = torch.softmax(neg_u, dim=1)
        for _ in range(int(num_iters)):
            energy = neg_u.clone()
            for filt, compat in filters:
                energy -= filt(q) @ compat.t()
            q = torch.softmax(energy, dim=1)
        out.append(q.t().reshape(c, h, w))
    return torch.stack(out)


class DenseCRFFunction(Function):
    """Autograd wrapper of the compiled kernel (inference only, no gradient)."""

    @staticmethod
    def forward(ctx, unary: Tensor, images: Tensor, gaussian_sxy: float,
                gaussian_compat: Tensor, bilateral_sxy: float,
                bilateral_srgb: float, bilateral_compat: Tensor, num_iters: int,
                input_type: str) -> Tensor:
        """Run the compiled mean field (or its reference where it is missing).

        The arguments are those of :func:`dense_crf`, resolved by it.

        Returns:
            Tensor: ``(N, C, H, W)`` float32 marginals.
        """
        kernel = get_ext_function('dense_crf_forward', unary.device)
        if kernel is None:
            out = dense_crf_reference(unary, images, gaussian_sxy, gaussian_compat,
                                      bilateral_sxy, bilateral_srgb,
                                      bilateral_compat, num_iters, input_type)
        else:
            out = kernel(unary.detach().float().contiguous(), images.contiguous(),
                         float(gaussian_sxy), gaussian_compat.to(unary.device),
                         float(bilateral_sxy), float(bilateral_srgb),
                         bilateral_compat.to(unary.device), int(num_iters),
                         input_type == 'logits')
        ctx.mark_non_differentiable(out)  # so autograd never asks for backward
        return out


def dense_crf(unary: Tensor, images: Tensor, gaussian_sxy: float = 3.0,
              gaussian_compat: Compat = 3.0, bilateral_sxy: float = 80.0,
              bilateral_srgb: float = 13.0, bilateral_compat: Compat = 10.0,
              num_iters: int = 10, input_type: str = 'prob') -> Tensor:
    """Refine class probabilities with a fully connected CRF.

    Defaults are pydensecrf's README example (``addPairwiseGaussian(sxy=3,
    compat=3)``, ``addPairwiseBilateral(sxy=80, srgb=13, compat=10)``) with 10
    mean-field iterations. A compatibility of 0 switches its kernel off.

    Args:
        unary (Tensor): (N, C, H, W) class probabilities (``input_type='prob'``,
            clipped to [1e-5, 1] as ``unary_from_softmax`` does) or logits
            (``'logits'``, used as negative energies).
        images (Tensor): (N, 3, H, W) uint8 images, same device as ``unary``.
        gaussian_sxy (float): position std (pixels) of the smoothness kernel.
        gaussian_compat (float | Tensor): its Potts weight or (C, C) penalty.
        bilateral_sxy (float): position std (pixels) of the appearance kernel.
        bilateral_srgb (float): colour std (intensity levels) of that kernel.
        bilateral_compat (float | Tensor): its Potts weight or (C, C) penalty.
        num_iters (int): mean-field iterations. 0 returns ``softmax(-U)``,
            i.e. the probabilities clipped to [1e-5, 1] and renormalised (or
            the softmax of the logits), on every device, without building a
            lattice (the standard deviations are still checked).
        input_type (str): ``'prob'`` or ``'logits'``.

    Returns:
        Tensor: (N, C, H, W) float32 marginals; they sum to one over C. The
        op is not differentiable (the output does not require grad).

    Raises:
        TypeError: For non-tensor inputs or wrong dtypes.
        ValueError: For wrong shapes or devices, a standard deviation that is
            not finite and > 0 (in float32) or too small for the image (its
            features would leave the lattice's int16 range), NaN or infinite
            values in ``unary`` or a compatibility, or a bad ``num_iters`` /
            ``input_type``; the message names the argument.
    """
    _check_inputs(unary, images, input_type, num_iters, gaussian_sxy,
                  bilateral_sxy, bilateral_srgb)
    c = unary.shape[1]
    return DenseCRFFunction.apply(
        unary, images, float(gaussian_sxy),
        _check_compat(gaussian_compat, c, 'gaussian_compat'), float(bilateral_sxy),
        float(bilateral_srgb), _check_compat(bilateral_compat, c, 'bilateral_compat'),
        int(num_iters), input_type)


class DenseCRF(nn.Module):
    """Module form of :func:`dense_crf`; the arguments are stored at init.

    Example:
        >>> crf = DenseCRF(bilateral_sxy=67, bilateral_srgb=3, bilateral_compat=4,
        ...                gaussian_sxy=1, gaussian_compat=3, num_iters=10)
        >>> probs = crf(seg_logits.softmax(1), images)
    """

    def __init__(self, gaussian_sxy: float = 3.0, gaussian_compat: Compat = 3.0,
                 bilateral_sxy: float = 80.0, bilateral_srgb: float = 13.0,
                 bilateral_compat: Compat = 10.0, num_iters: int = 10,
                 input_type: str = 'prob'):
        super().__init__()
        self.gaussian_sxy = gaussian_sxy
        self.gaussian_compat = gaussian_compat
        self.bilateral_sxy = bilateral_sxy
        self.bilateral_srgb = bilateral_srgb
        self.bilateral_compat = bilateral_compat
        self.num_iters = num_iters
        self.input_type = input_type

    def forward(self, unary: Tensor, images: Tensor) -> Tensor:
        """Run :func:`dense_crf` with the stored parameters."""
        return dense_crf(unary, images, self.gaussian_sxy, self.gaussian_compat,
                         self.bilateral_sxy, self.bilateral_srgb,
                         self.bilateral_compat, self.num_iters, self.input_type)

    def extra_repr(self) -> str:
        """The CRF parameters, shown by ``print(module)``."""
        return (f'gaussian_sxy={self.gaussian_sxy}, gaussian_compat='
                f'{self.gaussian_compat}, bilateral_sxy={self.bilateral_sxy}, '
                f'bilateral_srgb={self.bilateral_srgb}, bilateral_compat='
                f'{self.bilateral_compat}, num_iters={self.num_iters}, '
                f'input_type={self.input_type!r}')
