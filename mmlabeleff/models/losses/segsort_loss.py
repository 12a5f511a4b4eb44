"""SegSort+ pixel-to-segment contrastive loss (SPML's one loss)."""
from typing import Optional, Union

import torch
import torch.nn as nn
from torch import Tensor

from mmlabeleff.registry import MODELS

__all__ = ['segsort_loss', 'SegSortLoss']

#: exp(concentration * cos) must stay finite in float32 for sums of
#: thousands of segments: exp(40) * 1e4 ~ 2e21 < 3.4e38.
MAX_CONCENTRATION = 40.0


def segsort_loss(embeddings: Tensor,
                 labels: Tensor,
                 segments: Tensor,
                 prototypes: Tensor,
                 prototype_labels: Tensor,
                 concentration: Union[float, Tensor],
                 weight: Optional[Tensor] = None,
                 reduction: str = 'mean') -> Tensor:
    """Per-pixel SegSort+ negative log-likelihood over positive segments.

    For pixel ``i`` with unit embedding ``e_i`` and unit segment prototypes
    ``mu_s``, with ``S(s) = exp(kappa_i * mu_s . e_i)``::

        L(i) = -log( N(i) / (N(i) + sum_{s in C-} S(s)) )
        N(i) = sum_{s in C+, s != s_i} S(s), or S(s_i) when that sum is 0

    ``C+`` / ``C-`` are the segments whose label equals / differs from the
    pixel's (single labels), or, for multi-hot labels (image tags), that
    share at least one / no class with it; ``s_i`` is the pixel's own
    segment. Ke et al., "Universal Weakly Supervised Segmentation by
    Pixel-to-Segment Contrastive Learning" (SPML), ICLR 2021, Eqs. 1-4
    (SegSort+ of Hwang et al., ICCV 2019); the public SPML code
    (github.com/twke18/SPML, MIT, ``spml/utils/segsort/loss.py``) fixes the
    details reproduced here: the exponentials are summed in the input's
    dtype and the own segment is subtracted from the positive sum; the
    fallback to ``S(s_i)`` happens when that difference is not positive.
    The sums are formed as products with each label group's positive-segment
    mask and negative-segment mask, which costs one ``P x M`` exponential
    and one product instead of several masked ``P x M`` passes, and pixels
    whose label has no negative segment (loss exactly 0, no gradient; e.g.
    co-occurrence in street scenes, where every image shares a class) are
    not computed; the results equal the public code's up to float rounding.
    With multi-hot labels the own segment can be negative (an image without
    tags); it then counts in ``C-`` and, as the fallback numerator, once
    more, exactly as the public code.

    Args:
        embeddings (Tensor): ``(P, D)`` unit pixel embeddings.
        labels (Tensor): ``(P,)`` long labels, or ``(P, K)`` multi-hot.
        segments (Tensor): ``(P,)`` own segment of each pixel (index into
            ``prototypes``); ``-1`` where the pixel has none among them
            (then ``N(i)`` is the plain positive sum, and a pixel without
            any positive segment contributes 0).
        prototypes (Tensor): ``(M, D)`` unit segment prototypes.
        prototype_labels (Tensor): ``(M,)`` or ``(M, K)``, like ``labels``.
        concentration (float | Tensor): kappa, a number or ``(P,)``.
        weight (Tensor, optional): ``(P,)`` weight of each pixel.
        reduction (str): ``'mean'`` (over the P pixels, weighted terms),
            ``'sum'`` or ``'none'``.

    Returns:
        Tensor: The loss; 0 (in the graph) when there is no pixel.
    """
    if reduction not in ('mean', 'sum', 'none'):
        raise ValueError(f'unknown reduction {reduction!r}')
    multi_label = labels.dim() == 2
    if multi_label != (prototype_labels.dim() == 2):
        raise ValueError('labels and prototype_labels must both be single '
                         'labels or both multi-hot')
    if embeddings.shape[0] == 0 or prototypes.shape[0] == 0:
        zero = embeddings.sum() * 0 + prototypes.sum() * 0
        return embeddings.new_zeros((0, )) if reduction == 'none' else zero
    # "same" depends on the pixel's label group only (a class, or a set of
    # tags): each group's positive / negative segment masks
    if multi_label:
        groups, group = torch.unique(labels, dim=0, return_inverse=True)
        same = torch.mm(groups.float(), prototype_labels.t().float()) > 0
    else:
        groups, group = torch.unique(labels, return_inverse=True)
        same = groups.view(-1, 1) == prototype_labels.view(1, -1)
    # a pixel without negative segments has N(i) / N(i) = 1 exactly: loss 0
    # and no gradient, so only the others are computed; a pixel without own
    # segment and without positive segment has no numerator and is skipped
    computed = (~same).any(1)[group] & ((segments >= 0) | same.any(1)[group])
    rows = computed.nonzero().squeeze(1)
    kappa = concentration
    if isinstance(kappa, Tensor) and kappa.dim() == 1:
        kappa = kappa[rows].view(-1, 1)
    emb = embeddings[rows] * kappa  # kappa folded into the embeddings
    # S(s) for every (computed) pixel and segment
    similarities = torch.mm(emb, prototypes.t()).exp()
    seg = segments[rows]
    has_own = (seg >= 0).view(-1, 1)
    own = (emb * prototypes[seg.clamp(min=0)]).sum(1, keepdim=True).exp()
    own = own * has_own.to(own.dtype)
    masks = torch.cat([same, ~same]).t().to(similarities.dtype)
    group_sums = torch.mm(similarities, masks)
    grp = group[rows].view(-1, 1)
    same_sum = group_sums.gather(1, grp)
    negative = group_sums.gather(1, grp + same.shape[0])
    positive = same_sum - own
    numerator = torch.where(positive > 0, positive, own)
    denominator = negative + numerator
    nll = embeddings.new_zeros((embeddings.shape[0], ))
    nll = nll.index_put((rows, ), -(numerator / denominator).log().squeeze(1))
    if weight is not None:
        nll = nll * weight
    if reduction == 'none':
        return nll
    if reduction == 'sum':
        return nll.sum()
    return nll.mean()


@MODELS.register_module()
class SegSortLoss(nn.Module):
    """Module form of :func:`segsort_loss` with a fixed concentration.

    Args:
        concentration (float): kappa (SPML: 16 low-level similarity, 6
            semantic annotation, 8 or 12 semantic co-occurrence, 12 feature
            affinity). At most :data:`MAX_CONCENTRATION`.
        loss_weight (float): Multiplier (SPML's lambda). Defaults to 1.0.
        reduction (str): ``'mean'``, ``'sum'`` or ``'none'``.
        loss_name (str): Key in the losses dict. Defaults to
            ``'loss_segsort'``.
    """

    def __init__(self,
                 concentration: float = 10.0,
                 loss_weight: float = 1.0,
                 reduction: str = 'mean',
                 loss_name: str = 'loss_segsort') -> None:
        super().__init__()
        if not 0 < concentration <= MAX_CONCENTRATION:
            raise ValueError(f'concentration must be in (0, '
                             f'{MAX_CONCENTRATION}], got {concentration}')
        if reduction not in ('mean', 'sum', 'none'):
            raise ValueError(f'unknown reduction {reduction!r}')
        if not loss_name.startswith('loss_'):
            raise ValueError(
                f'loss_name must start with "loss_", got {loss_name!r}')
        self.concentration = float(concentration)
        self.loss_weight = float(loss_weight)
        self.reduction = reduction
        self._loss_name = loss_name

    @property
    def loss_name(self) -> str:
        """Key of the loss in the losses dict."""
        return self._loss_name

    def forward(self, embeddings: Tensor, labels: Tensor, segments: Tensor,
                prototypes: Tensor, prototype_labels: Tensor,
                weight: Optional[Tensor] = None) -> Tensor:
        """See :func:`segsort_loss`."""
        return self.loss_weight * segsort_loss(
            embeddings, labels, segments, prototypes, prototype_labels,
            self.concentration, weight=weight, reduction=self.reduction)
