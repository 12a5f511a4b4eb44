"""Cross-entropy over the labelled pixels of dense or sparse label maps."""
from typing import Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmlabeleff.registry import MODELS
from mmlabeleff.structures import IGNORE_INDEX, UNLABELED_INDEX


def partial_cross_entropy(pred: torch.Tensor,
                          label: torch.Tensor,
                          class_weight: Optional[torch.Tensor] = None,
                          weight: Optional[torch.Tensor] = None,
                          ignore_index: int = IGNORE_INDEX,
                          unlabeled_index: int = UNLABELED_INDEX,
                          reduction: str = 'mean') -> torch.Tensor:
    """Cross-entropy on labelled pixels only ("partial cross-entropy").

    Pixels whose label is ``ignore_index`` (padding, void) or
    ``unlabeled_index`` (no annotation) contribute nothing. With
    ``class_weight``, the mean is taken over the class weights of the
    labelled pixels, as :func:`torch.nn.functional.cross_entropy` does.

    Tang et al., "Normalized Cut Loss for Weakly-supervised CNN
    Segmentation", CVPR 2018, call this loss on scribbles partial
    cross-entropy; on full masks it is ordinary (weighted) cross-entropy.

    Args:
        pred (Tensor): Logits, ``(N, C, H, W)``.
        label (Tensor): Labels, ``(N, H, W)``, class ids ``0..C-1`` and the
            two special values.
        class_weight (Tensor, optional): ``(C,)`` weight of each class.
        weight (Tensor, optional): Per-pixel weight, ``(N, H, W)``.
        ignore_index (int): Padding / void value. Defaults to 255.
        unlabeled_index (int): Unlabeled value. Defaults to 254.
        reduction (str): ``'mean'``, ``'sum'`` or ``'none'``.

    Returns:
        Tensor: The loss (per pixel for ``'none'``). With no labelled pixel
        the mean is 0 (and still part of the graph).
    """
    if reduction not in ('mean', 'sum', 'none'):
        raise ValueError(f'unknown reduction {reduction!r}')
    valid = (label != ignore_index) & (label != unlabeled_index)
    num_classes = pred.shape[1]
    if bool((label[valid] >= num_classes).any()) or bool((label[valid] < 0).any()):
        bad = torch.unique(label[valid & ((label >= num_classes) | (label < 0))])
        raise ValueError(f'labels {bad.tolist()} are outside the {num_classes} '
                         f'classes (and are not {ignore_index} / '
                         f'{unlabeled_index})')
    target = torch.where(valid, label, torch.zeros_like(label))
    loss = F.cross_entropy(pred, target, weight=class_weight, reduction='none')
    loss = loss * valid
    pixel_weight = valid.to(loss.dtype)
    if class_weight is not None:
        pixel_weight = pixel_weight * class_weight[target]
    if weight is not None:
        loss = loss * weight
        pixel_weight = pixel_weight * weight
    if reduction == 'none':
        return loss
    if reduction == 'sum':
        return loss.sum()
    return loss.sum() / pixel_weight.sum().clamp(min=torch.finfo(loss.dtype).eps)


@MODELS.register_module()
class PartialCrossEntropyLoss(nn.Module):
    """Module form of :func:`partial_cross_entropy` for mmseg decode heads.

    Works as ``loss_decode`` of any mmseg ``BaseDecodeHead``: on full masks
    it is (class-weighted) cross-entropy ignoring 255; on sparse maps
    (scribbles, points, partial masks) it also ignores 254. Unlike mmseg
    1.2.2's ``CrossEntropyLoss``, ``class_weight`` works when the labels
    contain the ignore value.

    Args:
        class_weight (Sequence[float], optional): Weight of each class.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        unlabeled_index (int): Value of unlabeled pixels. Defaults to 254.
        loss_name (str): Key of the loss in the losses dict; must start with
            ``loss_`` to be summed. Defaults to ``'loss_pce'``.
    """

    def __init__(self,
                 class_weight: Optional[Sequence[float]] = None,
                 loss_weight: float = 1.0,
                 unlabeled_index: int = UNLABELED_INDEX,
                 loss_name: str = 'loss_pce') -> None:
        super().__init__()
        if not loss_name.startswith('loss_'):
            raise ValueError(f'loss_name must start with "loss_", got {loss_name!r}')
        self.register_buffer(
            'class_weight',
            None if class_weight is None else torch.tensor(
                class_weight, dtype=torch.float32), persistent=False)
        self.loss_weight = loss_weight
        self.unlabeled_index = unlabeled_index
        self._loss_name = loss_name

    def forward(self,
                cls_score: torch.Tensor,
                label: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                ignore_index: int = IGNORE_INDEX,
                **kwargs) -> torch.Tensor:
        """Compute the loss (mmseg decode heads pass ``ignore_index``)."""
        class_weight = self.class_weight
        if class_weight is not None:
            if class_weight.numel() != cls_score.shape[1]:
                raise ValueError(
                    f'class_weight has {class_weight.numel()} entries for '
                    f'{cls_score.shape[1]} classes')
            class_weight = class_weight.to(cls_score.dtype)
        return self.loss_weight * partial_cross_entropy(
            cls_score, label, class_weight=class_weight, weight=weight,
            ignore_index=ignore_index, unlabeled_index=self.unlabeled_index)

    @property
    def loss_name(self) -> str:
        """Key of this loss in the losses dict."""
        return self._loss_name


__all__ = ['partial_cross_entropy', 'PartialCrossEntropyLoss']
