"""Cross-entropy on a teacher's confident hard pseudo labels."""
from typing import Tuple

import torch
import torch.nn.functional as F

from mmlabeleff.registry import MODELS
from .base_teacher_loss import BaseTeacherLoss, check_teacher_shapes

__all__ = ['PseudoLabelCrossEntropyLoss', 'pseudo_label_cross_entropy']


def pseudo_label_cross_entropy(logits: torch.Tensor,
                               teacher_probs: torch.Tensor,
                               valid: torch.Tensor,
                               threshold: float = 0.95
                               ) -> Tuple[torch.Tensor, torch.Tensor]:
    """FixMatch-style cross-entropy on confident pseudo labels.

    The pseudo label of a pixel is the teacher's most probable class, kept
    when its probability is at least ``threshold``; the sum of the kept
    pixels' cross-entropy is divided by the number of valid (non-padding)
    pixels of the batch, not by the number of kept ones, so that the loss
    shrinks as the teacher grows unsure. This is the normalisation of the
    public UniMatch / FixMatch-for-segmentation code (Yang et al., CVPR
    2023, github.com/LiheYoung/UniMatch, MIT licence).

    Args:
        logits (Tensor): Student logits ``(N, K, H, W)``.
        teacher_probs (Tensor): Teacher class probabilities of the same
            shape (no gradient flows into them).
        valid (Tensor): ``(N, H, W)`` bool, False on padding.
        threshold (float): Confidence threshold in ``[0, 1]``; 0 keeps every
            valid pixel.

    Returns:
        tuple[Tensor, Tensor]: The loss (a scalar; 0 with no valid pixel,
        still in the graph) and the fraction of valid pixels kept.
    """
    check_teacher_shapes(logits, teacher_probs, valid)
    conf, labels = teacher_probs.detach().max(dim=1)
    kept = (conf >= threshold) & valid
    loss = F.cross_entropy(logits, labels, reduction='none') * kept
    num_valid = valid.sum().clamp(min=1)
    return loss.sum() / num_valid, kept.sum() / num_valid


@MODELS.register_module()
class PseudoLabelCrossEntropyLoss(BaseTeacherLoss):
    """Cross-entropy on a teacher's confident hard pseudo labels.

    See :func:`pseudo_label_cross_entropy`. The unsupervised loss of
    FixMatch (Sohn et al., NeurIPS 2020), UniMatch (Yang et al., CVPR 2023;
    threshold 0.95) and, with ``threshold=0``, of CPS (Chen et al., CVPR
    2021), whose networks supervise each other with every pixel's argmax.

    Args:
        threshold (float): Confidence threshold. Defaults to 0.95.
        loss_weight (float): Weight of the loss. Defaults to 1.0.
        loss_name (str): Name of the loss item. Defaults to
            ``'loss_pseudo'``.
    """

    loss_fn = staticmethod(pseudo_label_cross_entropy)

    def __init__(self, threshold: float = 0.95, loss_weight: float = 1.0,
                 loss_name: str = 'loss_pseudo') -> None:
        super().__init__(threshold, loss_weight, loss_name)
