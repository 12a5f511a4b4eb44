"""Squared error between student and teacher class probabilities."""
from typing import Tuple

import torch

from mmlabeleff.registry import MODELS
from .base_teacher_loss import BaseTeacherLoss, check_teacher_shapes

__all__ = ['SoftmaxMSELoss', 'softmax_mse']


def softmax_mse(logits: torch.Tensor, teacher_probs: torch.Tensor,
                valid: torch.Tensor, threshold: float = 0.0
                ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Mean Teacher's consistency: ``sum_k (softmax(s)_k - t_k)^2`` per pixel.

    The squared distance between the student's and the teacher's class
    probabilities, summed over classes and averaged over the valid pixels
    of the batch (pixels whose teacher confidence is below ``threshold``
    contribute 0). Tarvainen and Valpola, "Mean teachers are better role
    models", NeurIPS 2017 (squared error of softmax outputs); French et
    al., "Semi-supervised semantic segmentation needs strong, varied
    perturbations" (CutMix-Seg), BMVC 2020, use this form with CutMix.

    Args:
        logits (Tensor): Student logits ``(N, K, H, W)``.
        teacher_probs (Tensor): Teacher probabilities of the same shape.
        valid (Tensor): ``(N, H, W)`` bool, False on padding.
        threshold (float): Confidence threshold. Defaults to 0 (all valid
            pixels).

    Returns:
        tuple[Tensor, Tensor]: The loss and the fraction of valid pixels
        kept.
    """
    check_teacher_shapes(logits, teacher_probs, valid)
    probs = teacher_probs.detach()
    kept = (probs.max(dim=1)[0] >= threshold) & valid
    error = (logits.softmax(dim=1) - probs).pow(2).sum(dim=1) * kept
    num_valid = valid.sum().clamp(min=1)
    return error.sum() / num_valid, kept.sum() / num_valid


@MODELS.register_module()
class SoftmaxMSELoss(BaseTeacherLoss):
    """Mean Teacher consistency loss, see :func:`softmax_mse`.

    Args:
        threshold (float): Confidence threshold. Defaults to 0.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        loss_name (str): Name of the loss item. Defaults to
            ``'loss_consistency'``.
    """

    loss_fn = staticmethod(softmax_mse)

    def __init__(self, threshold: float = 0.0, loss_weight: float = 1.0,
                 loss_name: str = 'loss_consistency') -> None:
        super().__init__(threshold, loss_weight, loss_name)
