"""The shared form of the unsupervised losses against a teacher."""
from typing import Callable, Optional, Tuple

import torch
import torch.nn as nn

__all__ = ['BaseTeacherLoss', 'check_teacher_shapes']


def check_teacher_shapes(logits: torch.Tensor, teacher_probs: torch.Tensor,
                         valid: torch.Tensor) -> None:
    """Raise ValueError unless logits and teacher probabilities are both
    ``(N, K, H, W)`` and ``valid`` is ``(N, H, W)``."""
    if logits.dim() != 4 or teacher_probs.shape != logits.shape:
        raise ValueError('expected student logits and teacher probabilities '
                         f'of one shape (N, K, H, W), got {tuple(logits.shape)}'
                         f' and {tuple(teacher_probs.shape)}')
    if valid.shape != logits.shape[:1] + logits.shape[2:]:
        raise ValueError(f'expected a valid mask of shape (N, H, W) = '
                         f'{tuple(logits.shape[:1] + logits.shape[2:])}, got '
                         f'{tuple(valid.shape)}')


class BaseTeacherLoss(nn.Module):
    """A student-against-teacher loss with a confidence threshold.

    Subclasses set :attr:`loss_fn`, a function
    ``(logits, teacher_probs, valid, threshold) -> (loss, kept_ratio)``;
    this class holds the threshold, the weight, the loss item's name and
    the kept ratio of the last call (logged by the semi-supervised
    segmentors as ``unsup.kept_ratio``).

    Args:
        threshold (float): Confidence threshold in ``[0, 1]``.
        loss_weight (float): Weight of the loss.
        loss_name (str): Name of the loss item.
    """

    #: ``(logits, teacher_probs, valid, threshold) -> (loss, kept)``.
    loss_fn: Callable[..., Tuple[torch.Tensor, torch.Tensor]]

    def __init__(self, threshold: float, loss_weight: float,
                 loss_name: str) -> None:
        super().__init__()
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f'threshold must be in [0, 1], got {threshold}')
        self.threshold = threshold
        self.loss_weight = loss_weight
        self._loss_name = loss_name
        #: Fraction of valid pixels above the threshold in the last call.
        self.kept_ratio: Optional[torch.Tensor] = None

    def forward(self, logits: torch.Tensor, teacher_probs: torch.Tensor,
                valid: torch.Tensor) -> torch.Tensor:
        """The weighted loss; :attr:`kept_ratio` is updated.

        Args:
            logits (Tensor): Student logits ``(N, K, H, W)``.
            teacher_probs (Tensor): Teacher probabilities, same shape.
            valid (Tensor): ``(N, H, W)`` bool, False on padding.

        Returns:
            Tensor: The scalar loss times ``loss_weight``.
        """
        loss, self.kept_ratio = self.loss_fn(logits, teacher_probs, valid,
                                             self.threshold)
        return self.loss_weight * loss

    @property
    def loss_name(self) -> str:
        """Name of the loss item."""
        return self._loss_name
