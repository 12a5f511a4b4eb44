"""The Balance-the-Label-Preference (BLP) loss of BLPSeg.

Wang, Zhang, Kan, Shan and Chen, "BLPSeg: Balance the Label Preference in
Scribble-Supervised Semantic Segmentation", IEEE TIP 2023, Eqs. 9-11:

    BL = -(1 / Z) sum_n sum_c y_cn (1 - p^scrib_cn p^seg_cn)^gamma log p^seg_cn

over the labelled pixels (``y`` one-hot), with ``p^seg`` the softmax of the
segmentation logits (after the LAM) and ``p^scrib`` the first ``K`` channels
of the ``K + 1``-way softmax of the annotation-probability ("scribble") head.
A pixel where annotators rarely scribble (``p^scrib -> 0``) keeps its full
weight; a frequently annotated one is down-weighted like a focal loss.

Two normalisations ``Z`` (a documented choice, selectable):

* ``'weight_sum'`` (default): ``Z = sum_n sum_c y_cn delta_cn + 1e-7`` per
  image, then the mean over the batch, with ``delta`` detached. This is the
  public code (github.com/YudeWang/BLPSeg, MIT, ``lib/net/loss.py``), i.e.
  the code that produced the paper's numbers; the loss is a weighted mean,
  so its scale does not shrink as ``delta`` does.
* ``'num_labeled'``: ``Z`` = the number of labelled pixels of the image
  (``N_seg`` of Eq. 10, per image, then the batch mean): the paper's text.

In both, ``delta`` (and ``p^scrib``) get no gradient, as in the public code.
The code is our own; only the formula and constants come from the paper and
the public implementation.
"""
from typing import Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmlabeleff.registry import MODELS
from mmlabeleff.structures import IGNORE_INDEX, UNLABELED_INDEX

__all__ = ['BLPLoss', 'blp_loss']

NORMALIZATIONS = ('weight_sum', 'num_labeled')


def blp_loss(seg_logits: torch.Tensor,
             label: torch.Tensor,
             scribble_logits: torch.Tensor,
             gamma: float = 2.0,
             normalize: str = 'weight_sum',
             class_weight: Optional[torch.Tensor] = None,
             eps: float = 1e-7,
             ignore_index: int = IGNORE_INDEX,
             unlabeled_index: int = UNLABELED_INDEX) -> torch.Tensor:
    """BLP loss (Eq. 9) averaged over the images of a batch.

    Args:
        seg_logits (Tensor): (N, K, H, W) segmentation logits.
        label (Tensor): (N, H, W) labels: ``0..K-1``, ``unlabeled_index``,
            ``ignore_index``.
        scribble_logits (Tensor): (N, K + 1, H, W) logits of the
            annotation-probability head; channel ``K`` is the "unlabeled"
            class and is not used here.
        gamma (float): Exponent of ``delta``. Defaults to 2.
        normalize (str): ``'weight_sum'`` (public code) or ``'num_labeled'``
            (paper). Defaults to ``'weight_sum'``.
        class_weight (Tensor, optional): (K,) extra per-class factor on
            ``y`` (not in BLPSeg; None reproduces it).
        eps (float): Added to ``Z``. Defaults to 1e-7.
        ignore_index (int): Padding / void value. Defaults to 255.
        unlabeled_index (int): Unlabeled value. Defaults to 254.

    Returns:
        Tensor: Scalar loss; 0 for an image without labelled pixels.
    """
    if normalize not in NORMALIZATIONS:
        raise ValueError(f'normalize must be one of {NORMALIZATIONS}, '
                         f'got {normalize!r}')
    num_classes = seg_logits.shape[1]
    if scribble_logits.shape[1] != num_classes + 1:
        raise ValueError(f'scribble_logits need {num_classes + 1} channels '
                         f'(K + 1), got {scribble_logits.shape[1]}')
    if scribble_logits.shape[2:] != seg_logits.shape[2:] or \
            label.shape[1:] != seg_logits.shape[2:]:
        raise ValueError(f'sizes differ: seg {tuple(seg_logits.shape)}, '
                         f'scribble {tuple(scribble_logits.shape)}, label '
                         f'{tuple(label.shape)}')
    valid = (label != ignore_index) & (label != unlabeled_index)
    if bool(((label < 0) | (label >= num_classes))[valid].any()):
        bad = torch.unique(label[valid & ((label < 0) | (label >= num_classes))])
        raise ValueError(f'labels {bad.tolist()} are outside the {num_classes} '
                         f'classes (and are not {ignore_index} / '
                         f'{unlabeled_index})')
    target = torch.where(valid, label, torch.zeros_like(label))
    onehot = F.one_hot(target, num_classes).permute(0, 3, 1, 2).to(
        seg_logits.dtype) * valid[:, None].to(seg_logits.dtype)
    if class_weight is not None:
        onehot = onehot * class_weight.to(onehot).view(1, -1, 1, 1)
    log_prob = F.log_softmax(seg_logits, dim=1)
    with torch.no_grad():
        prob = log_prob.exp()
        prob_scribble = scribble_logits.softmax(dim=1)[:, :num_classes]
        weight = onehot * (1 - prob_scribble * prob).pow(gamma)
    loss = -(weight * log_prob).flatten(1).sum(dim=1)
    if normalize == 'weight_sum':
        denom = weight.flatten(1).sum(dim=1) + eps
    else:
        denom = onehot.flatten(1).sum(dim=1) + eps
    return (loss / denom).mean()


@MODELS.register_module()
class BLPLoss(nn.Module):
    """Module form of :func:`blp_loss`, the loss of ``BLPSegHead``.

    Called as ``loss(seg_logits, label, scribble_logits)``.

    Args:
        gamma (float): Exponent of ``delta``. Defaults to 2 (the paper).
        normalize (str): ``'weight_sum'`` (public code, default) or
            ``'num_labeled'`` (paper).
        class_weight (Sequence[float], optional): Extra per-class factor
            (an extension; None = BLPSeg).
        loss_weight (float): Multiplier. Defaults to 1.
        loss_name (str): Key in the loss dict. Defaults to ``'loss_blp'``.
    """

    def __init__(self,
                 gamma: float = 2.0,
                 normalize: str = 'weight_sum',
                 class_weight: Optional[Sequence[float]] = None,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_blp') -> None:
        super().__init__()
        if normalize not in NORMALIZATIONS:
            raise ValueError(f'normalize must be one of {NORMALIZATIONS}, '
                             f'got {normalize!r}')
        if gamma < 0:
            raise ValueError(f'gamma must be non-negative, got {gamma}')
        if not loss_name.startswith('loss_'):
            raise ValueError(f'loss_name must start with "loss_", got {loss_name!r}')
        self.gamma = float(gamma)
        self.normalize = normalize
        self.register_buffer(
            'class_weight',
            None if class_weight is None else torch.tensor(
                class_weight, dtype=torch.float32), persistent=False)
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def forward(self, seg_logits: torch.Tensor, label: torch.Tensor,
                scribble_logits: torch.Tensor, **kwargs) -> torch.Tensor:
        """Weighted :func:`blp_loss`.

        Args:
            seg_logits (Tensor): (N, K, H, W) logits.
            label (Tensor): (N, H, W) labels.
            scribble_logits (Tensor): (N, K + 1, H, W) logits.
            **kwargs: Ignored (mmseg passes ``weight`` / ``ignore_index``).

        Returns:
            Tensor: The loss times ``loss_weight``.
        """
        return self.loss_weight * blp_loss(
            seg_logits, label, scribble_logits, gamma=self.gamma,
            normalize=self.normalize, class_weight=self.class_weight)

    @property
    def loss_name(self) -> str:
        """Key of this loss in the loss dict."""
        return self._loss_name
