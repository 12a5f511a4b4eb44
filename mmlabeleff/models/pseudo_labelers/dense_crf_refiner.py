"""Dense CRF refinement of segmentation scores.

Krähenbühl and Koltun, "Efficient Inference in Fully Connected CRFs with
Gaussian Edge Potentials", NIPS 2011. The refiner is a configurable front end
of :func:`mmlabeleff.ops.dense_crf`: it turns a segmenter's logits (or
probabilities) and the input images into CRF marginals, with the parameter
sets of pydensecrf's README example (MIT) and of the public code of SPML (Ke,
Hwang and Yu, ICLR 2021) and BLPSeg (Wang et al., IEEE TIP 2023) as named
presets. Only the parameter values are taken from those sources.
"""
import numbers
from typing import Optional, Sequence, Union

import torch
from torch import Tensor

from mmlabeleff.ops import dense_crf
from mmlabeleff.registry import TASK_UTILS

__all__ = ['DenseCRFRefiner']

Compat = Union[float, Sequence[Sequence[float]], Tensor]

_PARAM_NAMES = ('gaussian_sxy', 'gaussian_compat', 'bilateral_sxy',
                'bilateral_srgb', 'bilateral_compat', 'num_iters')


@TASK_UTILS.register_module()
class DenseCRFRefiner:
    """Refine class scores with a fully connected CRF (dense CRF).

    Krähenbühl and Koltun, "Efficient Inference in Fully Connected CRFs with
    Gaussian Edge Potentials", NIPS 2011. Mean-field inference with a
    smoothness (Gaussian, position only) and an appearance (bilateral,
    position and colour) kernel, run by :func:`mmlabeleff.ops.dense_crf`
    (semantics of pydensecrf).

    Parameters come from a ``preset`` and are overridden one by one by the
    arguments that are not ``None``; without a preset the base is
    ``'pydensecrf'``. The presets (kernel widths are in pixels of the image
    the CRF runs on, tuned by their authors for ~500 px PASCAL VOC images;
    scale ``gaussian_sxy`` / ``bilateral_sxy`` with the image size):

    ============  ===============  ===========================  =====
    preset        Gaussian         bilateral                    iters
                  (sxy, compat)    (sxy, srgb, compat)
    ============  ===============  ===========================  =====
    'pydensecrf'  3, 3             80, 13, 10                   10
    'spml'        1, 3             67, 3, 4                     10
    'blpseg'      3, 3             32, 13, 10                   1
    'irn'         3, 3             50, 5, 10                    10
    ============  ===============  ===========================  =====

    'pydensecrf' is pydensecrf's README example (also the defaults of
    :func:`~mmlabeleff.ops.dense_crf`); 'spml' and 'blpseg' are the CRF
    post-processing of the SPML and BLPSeg public code.

    Args:
        preset (str, optional): 'pydensecrf', 'spml', 'blpseg' or 'irn'. Defaults
            to None ('pydensecrf').
        gaussian_sxy (float, optional): Position std (pixels) of the
            smoothness kernel.
        gaussian_compat (float | Sequence | Tensor, optional): Its Potts
            weight, or a (C, C) symmetric penalty matrix; 0 switches the
            kernel off.
        bilateral_sxy (float, optional): Position std (pixels) of the
            appearance kernel.
        bilateral_srgb (float, optional): Colour std (intensity levels 0-255)
            of the appearance kernel.
        bilateral_compat (float | Sequence | Tensor, optional): Its Potts
            weight or (C, C) penalty matrix; 0 switches it off.
        num_iters (int, optional): Mean-field iterations (0 returns the
            normalised unary).
        input_type (str): How :meth:`__call__` turns logits into the unary:
            ``'prob'`` (default) takes ``softmax`` and clips it to
            [1e-5, 1] as pydensecrf's ``unary_from_softmax`` (the setting the
            presets were tuned with); ``'logits'`` uses the log-softmax
            directly (no clipping). :meth:`refine_probs` always takes
            probabilities.

    Example:
        >>> from mmlabeleff.registry import TASK_UTILS
        >>> refiner = TASK_UTILS.build(
        ...     dict(type='DenseCRFRefiner', preset='spml', bilateral_sxy=30))
        >>> probs = refiner(seg_logits, images)  # (N, C, H, W), sum to 1
    """

    presets = {
        'pydensecrf': dict(gaussian_sxy=3.0, gaussian_compat=3.0,
                           bilateral_sxy=80.0, bilateral_srgb=13.0,
                           bilateral_compat=10.0, num_iters=10),
        'spml': dict(gaussian_sxy=1.0, gaussian_compat=3.0, bilateral_sxy=67.0,
                     bilateral_srgb=3.0, bilateral_compat=4.0, num_iters=10),
        'blpseg': dict(gaussian_sxy=3.0, gaussian_compat=3.0,
                       bilateral_sxy=32.0, bilateral_srgb=13.0,
                       bilateral_compat=10.0, num_iters=1),
        'irn': dict(gaussian_sxy=3.0, gaussian_compat=3.0, bilateral_sxy=50.0,
                    bilateral_srgb=5.0, bilateral_compat=10.0, num_iters=10),
    }

    def __init__(self,
                 preset: Optional[str] = None,
                 gaussian_sxy: Optional[float] = None,
                 gaussian_compat: Optional[Compat] = None,
                 bilateral_sxy: Optional[float] = None,
                 bilateral_srgb: Optional[float] = None,
                 bilateral_compat: Optional[Compat] = None,
                 num_iters: Optional[int] = None,
                 input_type: str = 'prob'):
        if preset is not None and preset not in self.presets:
            raise ValueError(f'Unknown DenseCRFRefiner preset {preset!r}; '
                             f'choose one of {sorted(self.presets)} or None')
        if input_type not in ('prob', 'logits'):
            raise ValueError("input_type must be 'prob' or 'logits', got "
                             f'{input_type!r}')
        self.preset = preset
        self.input_type = input_type
        params = dict(self.presets[preset or 'pydensecrf'])
        overrides = dict(gaussian_sxy=gaussian_sxy,
                         gaussian_compat=gaussian_compat,
                         bilateral_sxy=bilateral_sxy,
                         bilateral_srgb=bilateral_srgb,
                         bilateral_compat=bilateral_compat, num_iters=num_iters)
        params.update({k: v for k, v in overrides.items() if v is not None})

        for key in ('gaussian_sxy', 'bilateral_sxy', 'bilateral_srgb'):
            params[key] = self._positive(key, params[key])
        for key in ('gaussian_compat', 'bilateral_compat'):
            params[key] = self._compat(key, params[key])
        iters = params['num_iters']
        if (isinstance(iters, bool) or not isinstance(iters, numbers.Integral)
                or iters < 0):
            raise ValueError('num_iters must be a non-negative integer, got '
                             f'{iters!r}')
        params['num_iters'] = int(iters)
        for key in _PARAM_NAMES:
            setattr(self, key, params[key])

    @staticmethod
    def _positive(name: str, value) -> float:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f'{name} must be a number, got {value!r}')
        if not value > 0:
            raise ValueError(f'{name} must be positive, got {value}')
        return float(value)

    @staticmethod
    def _compat(name: str, value) -> Union[float, Tensor]:
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, (list, tuple)):
            try:
                value = torch.tensor(value, dtype=torch.float32)
            except (TypeError, ValueError):
                raise TypeError(f'{name} must be a number or a (C, C) matrix, '
                                f'got {value!r}') from None
        if isinstance(value, Tensor):
            if value.dim() == 0:
                return float(value)
            if value.dim() != 2 or value.shape[0] != value.shape[1]:
                raise ValueError(f'{name} must be a number or a square (C, C) '
                                 f'matrix, got shape {tuple(value.shape)}')
            return value.detach().float().cpu()
        raise TypeError(f'{name} must be a number or a (C, C) matrix, got '
                        f'{type(value).__name__}')

    @property
    def crf_params(self) -> dict:
        """The resolved keyword arguments of :func:`dense_crf` (no input_type)."""
        return {key: getattr(self, key) for key in _PARAM_NAMES}

    def __call__(self, seg_logits: Tensor, images: Tensor) -> Tensor:
        """Refine logits into CRF marginals.

        Args:
            seg_logits (Tensor): (N, C, H, W) class logits (scores before
                softmax).
            images (Tensor): (N, 3, H, W) uint8 images on the same device.

        Returns:
            Tensor: (N, C, H, W) float32 refined probabilities (sum to one
            over C).
        """
        if not isinstance(seg_logits, Tensor) or not seg_logits.is_floating_point():
            raise TypeError('seg_logits must be a floating tensor')
        if self.input_type == 'prob':
            return self.refine_probs(seg_logits.float().softmax(dim=1), images)
        return dense_crf(seg_logits, images, input_type='logits',
                         **self.crf_params)

    def refine_probs(self, probs: Tensor, images: Tensor) -> Tensor:
        """Refine (N, C, H, W) class probabilities; see :meth:`__call__`."""
        return dense_crf(probs, images, input_type='prob', **self.crf_params)

    def refine_labels(self, labels: Tensor, images: Tensor, num_labels: int,
                      gt_prob: float = 0.7) -> Tensor:
        """Refine a label map: CRF marginals of a unary built from it, argmax.

        pydensecrf's ``unary_from_labels(labels, num_labels, gt_prob,
        zero_unsure=False)`` as IRN's ``crf_inference_label`` uses it: each
        pixel gives its label probability ``gt_prob`` and every other label
        ``(1 - gt_prob) / (num_labels - 1)``.

        Args:
            labels (Tensor): ``(N, H, W)`` integer labels in
                ``[0, num_labels)``.
            images (Tensor): ``(N, 3, H, W)`` uint8 images (RGB).
            num_labels (int): Number of labels, >= 1 (with one label the map
                is returned as it is).
            gt_prob (float): Confidence of the given label, in (0, 1).

        Returns:
            Tensor: ``(N, H, W)`` int64 refined labels.
        """
        if labels.dim() != 3 or labels.is_floating_point():
            raise ValueError('labels must be an (N, H, W) integer tensor, got '
                             f'{labels.dtype} {tuple(labels.shape)}')
        if not 0 < gt_prob < 1:
            raise ValueError(f'gt_prob must lie in (0, 1), got {gt_prob}')
        if num_labels < 1 or labels.numel() and (
                int(labels.min()) < 0 or int(labels.max()) >= num_labels):
            raise ValueError(f'labels must lie in [0, {num_labels}), got '
                             f'[{int(labels.min())}, {int(labels.max())}]')
        if num_labels == 1:
            return labels.long()
        other = (1.0 - gt_prob) / (num_labels - 1)
        probs = torch.full((labels.shape[0], num_labels) + labels.shape[1:],
                           other, dtype=torch.float32, device=labels.device)
        probs.scatter_(1, labels.long().unsqueeze(1), gt_prob)
        return self.refine_probs(probs, images).argmax(dim=1)

    def __repr__(self) -> str:
        params = ', '.join(f'{k}={v!r}' for k, v in self.crf_params.items())
        return (f'{type(self).__name__}(preset={self.preset!r}, {params}, '
                f'input_type={self.input_type!r})')
