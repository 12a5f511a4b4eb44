"""IRN's class-boundary and displacement branches, and their loss."""
from typing import Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmlabeleff.ops import affinity_from_boundary, get_neighbor_offsets
from mmlabeleff.ops.random_walk import _check_radius, _pad_width
from mmlabeleff.registry import MODELS
from mmlabeleff.structures.label_convention import IGNORE_INDEX

__all__ = ['IRNHead']


def _gn_groups(channels: int) -> int:
    """IRN's GroupNorm groups: 4 for 32 channels, 8 for 64, 16 above."""
    return max(1, min(16, channels // 8))


class _Branch(nn.Module):
    """1x1 conv (no bias) + GroupNorm, bilinear up by ``scale``, ReLU."""

    def __init__(self, in_channels: int, out_channels: int, scale: int,
                 groups: Optional[int] = None) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, 1, bias=False)
        self.norm = nn.GroupNorm(groups or _gn_groups(out_channels), out_channels)
        self.scale = scale

    def forward(self, x: Tensor) -> Tensor:
        x = self.norm(self.conv(x))
        if self.scale != 1:
            x = F.interpolate(x, scale_factor=self.scale, mode='bilinear',
                              align_corners=False)
        return F.relu(x)


class _MeanShift(nn.BatchNorm2d):
    """IRN's displacement centring: tracks the running mean while training
    (output unchanged), subtracts it at test time."""

    def __init__(self, num_features: int, momentum: float = 0.1) -> None:
        super().__init__(num_features, affine=False, momentum=momentum)

    def forward(self, x: Tensor) -> Tensor:
        if self.training:
            super().forward(x)
            return x
        return x - self.running_mean.view(1, -1, 1, 1)


@MODELS.register_module()
class IRNHead(BaseModule):
    """Inter-pixel relation network head: class boundaries and displacement
    field at stride 4, trained on pairs of confident pixels within a radius.

    Ahn, Cho and Kwak, "Weakly Supervised Learning of Instance Segmentation
    with Inter-pixel Relations", CVPR 2019; public code
    github.com/jiwoon-ahn/irn (MIT licence), ``net/resnet50_irn.py`` and
    ``step/train_irn.py``. Written here for any backbone: every input
    (a frozen backbone stage of stride >= 4) goes through a 1x1 conv +
    GroupNorm, bilinear upsampling to stride 4 and ReLU (32 channels), the
    concatenation through a 1x1 conv with bias: the boundary logits. The
    displacement branch projects the stride-4 inputs to ``dp_channels``
    and the deeper ones to 256 channels at stride 8, merges those (256, up
    to stride 4), merges everything (256) and predicts 2 channels, centred
    by a running mean. On IRN's ResNet-50 inputs (strides 4, 4, 8, 16, 16)
    this is IRN's network.

    Loss (IRN): with ``B = sigmoid(boundary)`` the affinity of two pixels
    is one minus the largest ``B`` on IRN's path between them
    (:func:`~mmlabeleff.ops.affinity_from_boundary`, ``path='irn'``); for
    the pairs ``(p, p + o)`` of the search directions ``o`` within
    ``radius`` whose source lies in the rows ``[0, H - r)`` and columns
    ``[r, W - r)`` (``r = floor(radius)``), labels from the stride-4
    confident map: same class (background / foreground), different class,
    or ignored (255 at either end). ::

        pos = (mean_bg(-log(a + 1e-5)) + mean_fg(-log(a + 1e-5))) / 2
        neg = mean_neg(-log(1 + 1e-5 - a))
        dp_fg = sum_fg |D(p) - D(p+o) - o|_1 / (2 n_fg + 1e-5)
        dp_bg = sum_bg |D(p) - D(p+o)|_1 / (2 n_bg + 1e-5)
        loss = (pos + neg) / 2 + (dp_fg + dp_bg) / 2

    (``mean_X`` divides by the count + 1e-5.) Without a background class
    every class counts as foreground and the background terms are 0.

    Args:
        in_channels (Sequence[int]): Channels of the inputs.
        in_strides (Sequence[int]): Their strides (>= 4); the first
            stride-4 input sets the output size.
        edge_channels (int): Channels per input of the boundary branch.
            Defaults to 32.
        dp_channels (Sequence[int], optional): Channels of the stride-4
            inputs in the displacement branch. Defaults to 64, then 128.
        radius (float): Pair radius at stride 4; IRN's "10" (offsets closer
            than 10) is 9.95 here (see
            :func:`~mmlabeleff.ops.get_neighbor_offsets`).
        background_index (int, optional): Background class or None.
        ignore_index (int): Uncertain label. Defaults to 255.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 in_strides: Sequence[int],
                 edge_channels: int = 32,
                 dp_channels: Optional[Sequence[int]] = None,
                 radius: float = 9.95,
                 background_index: Optional[int] = None,
                 ignore_index: int = IGNORE_INDEX,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if len(in_channels) != len(in_strides) or not in_channels:
            raise ValueError('in_channels and in_strides must be non-empty and '
                             f'of equal length, got {in_channels}, {in_strides}')
        if any(s < 4 or s % 4 for s in in_strides) or 4 not in in_strides:
            raise ValueError('in_strides must be multiples of 4 and include 4, '
                             f'got {in_strides}')
        _check_radius(radius)
        self.in_channels = list(in_channels)
        self.in_strides = list(in_strides)
        self.radius = radius
        self.background_index = background_index
        self.ignore_index = ignore_index
        self.edge_branches = nn.ModuleList([
            _Branch(c, edge_channels, s // 4)
            for c, s in zip(in_channels, in_strides)
        ])
        self.edge_out = nn.Conv2d(edge_channels * len(in_channels), 1, 1, bias=True)

        shallow = [i for i, s in enumerate(in_strides) if s == 4]
        deep = [i for i, s in enumerate(in_strides) if s > 4]
        if dp_channels is None:
            dp_channels = [64 * 2**min(k, 1) for k in range(len(shallow))]
        if len(dp_channels) != len(shallow):
            raise ValueError(f'dp_channels needs one entry per stride-4 input '
                             f'({len(shallow)}), got {dp_channels}')
        self.shallow, self.deep = shallow, deep
        self.dp_shallow = nn.ModuleList([
            _Branch(in_channels[i], c, 1) for i, c in zip(shallow, dp_channels)
        ])
        self.dp_deep = nn.ModuleList(
            [_Branch(in_channels[i], 256, in_strides[i] // 8) for i in deep])
        self.dp_merge = _Branch(256 * len(deep), 256, 2) if deep else None
        merged = sum(dp_channels) + (256 if deep else 0)
        self.dp_out = nn.Sequential(
            nn.Conv2d(merged, 256, 1, bias=False),
            nn.GroupNorm(16, 256), nn.ReLU(inplace=True),
            nn.Conv2d(256, 2, 1, bias=False), _MeanShift(2))

    def forward(self, feats: Sequence[Tensor]) -> Tuple[Tensor, Tensor]:
        """Boundary logits ``(N, 1, h, w)`` and displacements ``(N, 2, h, w)``
        at the size of the first stride-4 input."""
        if len(feats) != len(self.in_channels):
            raise ValueError(f'IRNHead expects {len(self.in_channels)} inputs, '
                             f'got {len(feats)}')
        h, w = feats[self.in_strides.index(4)].shape[-2:]
        edges = [b(x)[..., :h, :w] for b, x in zip(self.edge_branches, feats)]
        edge = self.edge_out(torch.cat(edges, dim=1))
        parts = [b(feats[i]) for b, i in zip(self.dp_shallow, self.shallow)]
        if self.deep:
            deep = [b(feats[i]) for b, i in zip(self.dp_deep, self.deep)]
            dh, dw = deep[0].shape[-2:]
            deep = torch.cat([d[..., :dh, :dw] for d in deep], dim=1)
            parts.append(self.dp_merge(deep)[..., :h, :w])
        return edge, self.dp_out(torch.cat(parts, dim=1))

    def pair_labels(self, labels: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """``(N, K', P)`` float masks of background-positive,
        foreground-positive and negative pairs (see the class docstring) of
        ``(N, h, w)`` stride-4 labels; ``K'`` search directions, ``P``
        source pixels."""
        offsets = self.search_offsets()
        r = _pad_width(self.radius)
        h, w = labels.shape[-2:]
        src = labels[:, :h - r, r:w - r].reshape(labels.shape[0], 1, -1)
        dst = torch.stack([
            labels[:, dy:dy + h - r,
                   r + dx:r + dx + w - 2 * r].reshape(labels.shape[0], -1)
            for dy, dx in offsets.tolist()
        ], dim=1)
        valid = (src != self.ignore_index) & (dst != self.ignore_index)
        equal = (src == dst) & valid
        if self.background_index is None:
            bg = torch.zeros_like(equal)
        else:
            bg = equal & (src == self.background_index)
        fg = equal & ~bg
        neg = valid & (src != dst)
        return bg.float(), fg.float(), neg.float()

    def search_offsets(self) -> Tensor:
        """``(K', 2)`` offsets ``(dy, dx)`` after ``(0, 0)`` in row-major
        order: IRN's search directions."""
        offsets = get_neighbor_offsets(self.radius)
        return offsets[len(offsets) // 2:]

    def loss_by_feat(self, edge_logits: Tensor, displacement: Tensor,
                     labels: Tensor) -> dict:
        """IRN's four loss terms (halved, so that their sum is its loss).

        Args:
            edge_logits (Tensor): ``(N, 1, h, w)``.
            displacement (Tensor): ``(N, 2, h, w)``.
            labels (Tensor): ``(N, h, w)`` long confident labels at stride 4.

        Returns:
            dict: ``loss_pos_aff``, ``loss_neg_aff``, ``loss_dp_fg``,
            ``loss_dp_bg``.
        """
        r = _pad_width(self.radius)
        h, w = labels.shape[-2:]
        if h <= r or w <= 2 * r:
            raise ValueError(f'labels of {h}x{w} at stride 4 are too small for '
                             f'radius {self.radius}; use larger crops')
        if edge_logits.shape[-2:] != labels.shape[-2:]:
            raise ValueError(f'boundary map {tuple(edge_logits.shape[-2:])} and '
                             f'labels {tuple(labels.shape[-2:])} differ in size')
        bg, fg, neg = self.pair_labels(labels)
        aff = affinity_from_boundary(torch.sigmoid(edge_logits), self.radius,
                                     path='irn', half=True)
        aff = aff[:, :, :h - r, r:w - r].reshape(aff.shape[0], aff.shape[1], -1)
        eps = 1e-5
        bg_pos = torch.sum(-bg * torch.log(aff + eps)) / (bg.sum() + eps)
        fg_pos = torch.sum(-fg * torch.log(aff + eps)) / (fg.sum() + eps)
        neg_aff = torch.sum(-neg * torch.log(1. + eps - aff)) / (neg.sum() + eps)

        offsets = self.search_offsets().to(displacement)
        n = displacement.shape[0]
        src = displacement[:, :, :h - r, r:w - r].reshape(n, 2, 1, -1)
        dst = torch.stack([
            displacement[:, :, dy:dy + h - r, r + dx:r + dx + w - 2 * r].reshape(
                displacement.shape[0], 2, -1)
            for dy, dx in offsets.long().tolist()
        ], dim=2)
        disp = src - dst  # (N, 2, K', P)
        target = offsets.t().reshape(1, 2, -1, 1)
        dp_fg = torch.sum((disp - target).abs() * fg[:, None]) / (2 * fg.sum() + eps)
        dp_bg = torch.sum(disp.abs() * bg[:, None]) / (2 * bg.sum() + eps)
        return dict(
            loss_pos_aff=(bg_pos / 2 + fg_pos / 2) / 2,
            loss_neg_aff=neg_aff / 2,
            loss_dp_fg=dp_fg / 2,
            loss_dp_bg=dp_bg / 2)

    def loss(self, feats: Sequence[Tensor], labels: Tensor) -> dict:
        """Forward and :meth:`loss_by_feat`."""
        edge, dp = self.forward(feats)
        return self.loss_by_feat(edge, dp, labels)


