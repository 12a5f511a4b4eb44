"""The dense CRF regularised loss of Tang et al. (ECCV 2018).

Tang, Perazzi, Djelouah, Ben Ayed, Schroers and Boykov, "On Regularized
Losses for Weakly-supervised CNN Segmentation", ECCV 2018: partial
cross-entropy on the scribbles plus a relaxation of the dense CRF energy on
the softmax ``S`` of the prediction,

    L_crf = -(w / N) sum_n sum_k S_nk^T W_n S_nk,

with ``W_n`` the bilateral (appearance) kernel of image ``n``. As in their
public PyTorch code (github.com/meng-tang/rloss, ``DenseCRFLoss.py`` and
``train_withdensecrfloss.sh``; licence in that repository): weight
``w = 2e-9``, ``sigma_rgb = 15``, ``sigma_xy = 100``, and the image, the
softmax and the region of interest are downscaled by ``scale_factor = 0.5``
first (image and region nearest, softmax bilinear) with ``sigma_xy`` scaled
by the same factor; ``S`` is zeroed outside the region of interest; the loss
is averaged over the images; its gradient is ``-2 w W S / N`` (autograd of
:func:`mmlabeleff.ops.bilateral_filter`, whose backward pass applies the
transposed lattice filter). The code is our own.

Documented deviation: the region of interest is every pixel whose label is
not 255, which in this codebase's convention excludes padding (as rloss's
crop mask does) and also void pixels.
"""
from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmlabeleff.ops import bilateral_filter
from mmlabeleff.registry import MODELS
from mmlabeleff.structures import IGNORE_INDEX

__all__ = ['DenseCRFLoss', 'dense_crf_loss']


def dense_crf_loss(seg_logits: torch.Tensor, image: torch.Tensor,
                   roi: torch.Tensor, sigma_rgb: float = 15.0,
                   sigma_xy: float = 100.0,
                   scale_factor: float = 0.5) -> torch.Tensor:
    """Unweighted dense CRF loss ``-(1/N) sum S^T W S`` (see the module doc).

    Args:
        seg_logits (Tensor): (N, K, H, W) logits.
        image (Tensor): (N, 3, H, W) RGB image, 0..255.
        roi (Tensor): (N, H, W) bool, pixels the loss covers.
        sigma_rgb (float): Colour standard deviation. Defaults to 15.
        sigma_xy (float): Position standard deviation at full size.
            Defaults to 100.
        scale_factor (float): Downscaling before filtering. Defaults to 0.5.

    Returns:
        Tensor: Scalar loss.
    """
    if image.shape[0] != seg_logits.shape[0] or image.shape[2:] != seg_logits.shape[2:]:
        raise ValueError(f'image {tuple(image.shape)} does not match logits '
                         f'{tuple(seg_logits.shape)}')
    probs = seg_logits.float().softmax(dim=1)
    if scale_factor != 1:
        image = F.interpolate(image.float(), scale_factor=scale_factor)
        probs = F.interpolate(probs, scale_factor=scale_factor,
                              mode='bilinear', align_corners=False)
        roi = F.interpolate(roi[:, None].float(),
                            scale_factor=scale_factor)[:, 0]
    probs = probs * roi[:, None].to(probs.dtype)
    filtered = bilateral_filter(probs, image.float().clamp(0, 255).contiguous(),
                                sxy=sigma_xy * scale_factor, srgb=sigma_rgb)
    return -(probs * filtered).sum() / probs.shape[0]


@MODELS.register_module()
class DenseCRFLoss(nn.Module):
    """Module form of :func:`dense_crf_loss`, a regulariser of ``BLPSegHead``.

    Called as ``loss(seg_logits, image, label)`` with the normalised network
    input; ``mean`` / ``std`` (those of the data preprocessor, in the input's
    channel order, which must be RGB) recover the 0..255 colours.

    Args:
        mean (Sequence[float]): Per-channel mean of the normalisation.
        std (Sequence[float]): Per-channel std of the normalisation.
        loss_weight (float): ``w``. Defaults to 2e-9 (rloss).
        sigma_rgb (float): Defaults to 15 (rloss).
        sigma_xy (float): Defaults to 100 (rloss).
        scale_factor (float): Defaults to 0.5 (rloss).
        loss_name (str): Defaults to ``'loss_crf'``.
    """

    def __init__(self,
                 mean: Sequence[float],
                 std: Sequence[float],
                 loss_weight: float = 2e-9,
                 sigma_rgb: float = 15.0,
                 sigma_xy: float = 100.0,
                 scale_factor: float = 0.5,
                 loss_name: str = 'loss_crf') -> None:
        super().__init__()
        if len(mean) != 3 or len(std) != 3:
            raise ValueError(f'mean and std need 3 values, got {mean}, {std}')
        if not 0 < scale_factor <= 1:
            raise ValueError(f'scale_factor must be in (0, 1], got {scale_factor}')
        if not loss_name.startswith('loss_'):
            raise ValueError(f'loss_name must start with "loss_", got {loss_name!r}')
        self.register_buffer('mean', torch.tensor(mean).view(1, 3, 1, 1),
                             persistent=False)
        self.register_buffer('std', torch.tensor(std).view(1, 3, 1, 1),
                             persistent=False)
        self.loss_weight = loss_weight
        self.sigma_rgb = sigma_rgb
        self.sigma_xy = sigma_xy
        self.scale_factor = scale_factor
        self._loss_name = loss_name

    def forward(self, seg_logits: torch.Tensor, image: torch.Tensor,
                label: torch.Tensor) -> torch.Tensor:
        """Weighted loss on the pixels whose label is not 255.

        Args:
            seg_logits (Tensor): (N, K, H, W) logits at the label size.
            image (Tensor): (N, 3, H', W') normalised input; resized to
                (H, W) bilinearly if it differs.
            label (Tensor): (N, H, W) labels.

        Returns:
            Tensor: The loss times ``loss_weight``.
        """
        rgb = image * self.std.to(image) + self.mean.to(image)
        if rgb.shape[2:] != seg_logits.shape[2:]:
            rgb = F.interpolate(rgb, size=seg_logits.shape[2:], mode='bilinear',
                                align_corners=False)
        return self.loss_weight * dense_crf_loss(
            seg_logits, rgb.detach(), label != IGNORE_INDEX, self.sigma_rgb,
            self.sigma_xy, self.scale_factor)

    @property
    def loss_name(self) -> str:
        """Key of this loss in the loss dict."""
        return self._loss_name
