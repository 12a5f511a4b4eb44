"""BLPSeg's decoder: UperNet with an annotation-probability head and a LAM.

Wang, Zhang, Kan, Shan and Chen, "BLPSeg: Balance the Label Preference in
Scribble-Supervised Semantic Segmentation", IEEE TIP 2023, Sec. III and
IV-B; details (head layers, detached scribble-head input, self-training
pseudo labels) from the public code, github.com/YudeWang/BLPSeg (MIT
licence). The UperNet trunk (PPM + FPN) is mmseg's :class:`UPerHead`
(Apache-2.0), reused as it is; the rest is our own code.
"""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import kaiming_init
from mmseg.models.decode_heads import UPerHead
from mmseg.models.utils import resize
from torch import Tensor

from mmlabeleff.registry import MODELS
from mmlabeleff.structures import IGNORE_INDEX, UNLABELED_INDEX
from ..layers import LocalAggregationModule
from ..losses import BLPLoss
from ..utils import image_class_mask, stack_training_labels

__all__ = ['BLPSegHead']


def _branch(channels: int, out_channels: int, num_convs: int,
            norm_cfg: Optional[dict]) -> nn.Sequential:
    """``num_convs`` x (1x1 conv, [norm,] ReLU) then a 1x1 classifier."""
    layers = [
        ConvModule(channels, channels, 1, bias=False,
                   norm_cfg=norm_cfg, act_cfg=dict(type='ReLU'))
        for _ in range(num_convs)
    ]
    layers.append(nn.Conv2d(channels, out_channels, kernel_size=1))
    return nn.Sequential(*layers)


@MODELS.register_module()
class BLPSegHead(UPerHead):
    """UperNet decoder with BLPSeg's two heads and Local Aggregation Module.

    On the decoder output (stride 4), two unshared branches of
    ``num_branch_convs`` 1x1 convolutions + ReLU and a 1x1 classifier:

    * the segmentation branch (K outputs), followed by the LAM
      (:class:`~mmlabeleff.models.layers.LocalAggregationModule`) on the
      logits (Eq. 8); its output is the prediction, at train and test time;
    * the annotation-probability ("scribble") branch (K + 1 outputs, the last
      one "unlabeled"), trained with cross-entropy where the unlabeled
      class weighs ``unlabeled_class_weight`` (Eqs. 1-2; ``loss_scribble``).
      As in the public code it reads the *detached* decoder output, so its
      loss does not train the trunk. Used only in training.

    The segmentation loss ``loss_decode`` is :class:`BLPLoss` (which gets the
    scribble branch's logits) or any mmseg-style loss called as
    ``loss(logits, label, ignore_index=255)``, e.g.
    :class:`PartialCrossEntropyLoss` for the baselines. Losses are computed at
    the label resolution after bilinear upsampling, as mmseg and the public
    code do. Labels come from ``gt_sparse_seg`` (254 = unlabeled, 255 =
    ignore) or, for fully labelled images, ``gt_sem_seg``.

    Self-training (Sec. IV-B): when ``self_training`` is True (set by
    :class:`~mmlabeleff.engine.hooks.SelfTrainingHook`), the segmentation
    target becomes the prediction itself: the softmax of the LAM output is
    multiplied by the image's class mask (its ``gt_image_labels``, which
    ``LoadWeakAnnotations(image_labels_from_sparse=True)`` takes from the
    whole image's scribbles as the public code does, else the classes of
    the cropped labels; plus ``always_present_classes``), the argmax is
    taken, pixels whose masked probability is below ``self_training_thr``
    are ignored, labelled pixels keep their labels and
    ignored ones stay ignored. The scribble branch keeps training on the
    annotations.

    The image reaches the head as the last element of ``inputs`` (appended
    by :class:`~mmlabeleff.models.segmentors.BLPSeg`); ``in_index`` selects
    the backbone stages as in mmseg.

    Documented deviations: the branches have no normalisation by default
    (``branch_norm_cfg=None``, the public code; the paper says BN) and use
    mmseg's ``conv_seg`` as the segmentation classifier (so ``dropout_ratio``
    applies before it; the public code has no dropout, set 0 to match).

    Args:
        num_branch_convs (int): 1x1 conv + ReLU layers per branch. Defaults
            to 2.
        branch_norm_cfg (dict, optional): Norm of those layers. Defaults to
            None (public code).
        scribble_head (bool): Build the annotation-probability branch.
            Defaults to True.
        unlabeled_class_weight (float): Weight of the unlabeled class in the
            default ``loss_scribble``. Defaults to 0.02.
        loss_scribble (dict, optional): Loss of the scribble branch on K + 1
            classes. Defaults to partial cross-entropy with class weights
            ``[1] * K + [unlabeled_class_weight]``.
        lam (dict, optional): Keyword arguments of
            :class:`LocalAggregationModule` (``embed_dims`` defaults to
            ``channels``); None disables the LAM. Defaults to
            ``dict(sigma=6.0)``.
        self_training_thr (float): Confidence of self-training targets.
            Defaults to 0.9.
        always_present_classes (Sequence[int]): Classes added to every
            image's class mask, e.g. ``(0,)`` for PASCAL's background, which
            the public code always counts as present. Defaults to ().
        loss_regularizer (dict | list[dict], optional): Losses on the
            segmentation logits that also need the image, called as
            ``loss(seg_logits, image, label)``, e.g. the dense CRF loss of
            Tang et al. (:class:`DenseCRFLoss`) for the regularised-loss
            baseline. Defaults to None.
        **kwargs: Those of mmseg's :class:`UPerHead` (``in_channels``,
            ``channels``, ``num_classes``, ``loss_decode``, ...).
    """

    def __init__(self,
                 num_branch_convs: int = 2,
                 branch_norm_cfg: Optional[dict] = None,
                 scribble_head: bool = True,
                 unlabeled_class_weight: float = 0.02,
                 loss_scribble: Optional[dict] = None,
                 lam: Optional[dict] = dict(sigma=6.0),
                 self_training_thr: float = 0.9,
                 always_present_classes: Sequence[int] = (),
                 loss_regularizer=None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if self.out_channels != self.num_classes:
            raise ValueError('BLPSegHead needs one output per class '
                             f'(num_classes={self.num_classes}, '
                             f'out_channels={self.out_channels})')
        self.seg_branch = _branch(self.channels, self.channels,
                                  num_branch_convs, branch_norm_cfg)[:-1]
        self.scribble_branch = None
        self.loss_scribble = None
        if scribble_head:
            self.scribble_branch = _branch(self.channels, self.num_classes + 1,
                                           num_branch_convs, branch_norm_cfg)
            if loss_scribble is None:
                loss_scribble = dict(
                    type='PartialCrossEntropyLoss',
                    class_weight=[1.0] * self.num_classes +
                    [float(unlabeled_class_weight)],
                    loss_name='loss_scribble')
            self.loss_scribble = MODELS.build(loss_scribble)
        self.lam = None
        if lam is not None:
            lam = dict(lam)
            lam.setdefault('embed_dims', self.channels)
            self.lam = LocalAggregationModule(**lam)
        if not 0.0 <= self_training_thr <= 1.0:
            raise ValueError('self_training_thr must be in [0, 1], got '
                             f'{self_training_thr}')
        self.self_training_thr = self_training_thr
        self.self_training = False
        bad = [c for c in always_present_classes
               if not 0 <= int(c) < self.num_classes]
        if bad:
            raise ValueError(f'always_present_classes {bad} are not class ids '
                             f'(num_classes={self.num_classes})')
        self.always_present_classes = tuple(int(c) for c in always_present_classes)
        if isinstance(loss_regularizer, dict):
            loss_regularizer = [loss_regularizer]
        self.loss_regularizer = nn.ModuleList(
            MODELS.build(cfg) for cfg in (loss_regularizer or []))
        uses_blp = any(isinstance(loss, BLPLoss) for loss in self._seg_losses())
        if uses_blp and self.scribble_branch is None:
            raise ValueError('BLPLoss needs the scribble head '
                             '(scribble_head=True)')

    def init_weights(self) -> None:
        """mmseg's init, then Kaiming-normal (fan-out) branch convolutions,
        the segmentation classifier included, as the public code."""
        super().init_weights()
        branches = [self.seg_branch, self.conv_seg, self.scribble_branch]
        for branch in branches:
            if branch is None:
                continue
            for module in branch.modules():
                if isinstance(module, nn.Conv2d):
                    kaiming_init(module, mode='fan_out', bias=0)
        if self.lam is not None:
            self.lam.init_weights()

    def _seg_losses(self) -> Sequence[nn.Module]:
        if isinstance(self.loss_decode, nn.ModuleList):
            return list(self.loss_decode)
        return [self.loss_decode]

    def _split_inputs(self, inputs: Sequence[Tensor]) -> Tuple[List[Tensor], Tensor]:
        """Backbone features and the image (the last element)."""
        if len(inputs) < 2:
            raise ValueError('BLPSegHead expects the backbone features followed '
                             'by the image (use the BLPSeg segmentor)')
        return list(inputs[:-1]), inputs[-1]

    def _forward_both(self, inputs: Sequence[Tensor],
                      with_scribble: bool) -> Tuple[Tensor, Optional[Tensor]]:
        feats, image = self._split_inputs(inputs)
        decoded = self._forward_feature(feats)
        seg_logits = self.cls_seg(self.seg_branch(decoded))
        if self.lam is not None:
            seg_logits = self.lam(seg_logits, image)
        scribble_logits = None
        if with_scribble and self.scribble_branch is not None:
            scribble_logits = self.scribble_branch(decoded.detach())
        return seg_logits, scribble_logits

    def forward(self, inputs: Sequence[Tensor]) -> Tensor:
        """Segmentation logits (after the LAM) at the decoder's stride.

        Args:
            inputs (list[Tensor]): Backbone features, then the image.

        Returns:
            Tensor: (N, K, h, w) logits.
        """
        return self._forward_both(inputs, with_scribble=False)[0]

    def loss(self, inputs: Sequence[Tensor], batch_data_samples: List,
             train_cfg: dict) -> dict:
        """Forward both branches and compute their losses.

        Args:
            inputs (list[Tensor]): Backbone features, then the image.
            batch_data_samples (list[SegDataSample]): The batch.
            train_cfg (dict): Unused.

        Returns:
            dict[str, Tensor]: The losses and ``acc_seg``.
        """
        logits = self._forward_both(inputs, with_scribble=True)
        return self.loss_by_feat(logits, batch_data_samples,
                                 image=self._split_inputs(inputs)[1])

    @torch.no_grad()
    def self_training_targets(self, seg_logits: Tensor, labels: Tensor,
                              class_mask: Tensor) -> Tensor:
        """Sharpened predictions as targets (see the class docstring).

        Args:
            seg_logits (Tensor): (N, K, H, W) logits at the label size.
            labels (Tensor): (N, H, W) annotations.
            class_mask (Tensor): (N, K) classes of each image.

        Returns:
            Tensor: (N, H, W) targets: class ids and 255.
        """
        prob = seg_logits.softmax(dim=1) * class_mask[:, :, None, None]
        confidence, targets = prob.max(dim=1)
        targets[confidence < self.self_training_thr] = IGNORE_INDEX
        labelled = (labels != IGNORE_INDEX) & (labels != UNLABELED_INDEX)
        targets[labelled] = labels[labelled]
        targets[labels == IGNORE_INDEX] = IGNORE_INDEX
        return targets

    def loss_by_feat(self, seg_logits: Tuple[Tensor, Optional[Tensor]],
                     batch_data_samples: List,
                     image: Optional[Tensor] = None) -> dict:
        """Scribble-branch loss and segmentation loss(es).

        Args:
            seg_logits (tuple[Tensor, Tensor | None]): Segmentation and
                scribble-branch logits at the decoder's stride.
            batch_data_samples (list[SegDataSample]): The batch.
            image (Tensor, optional): The network input, for
                ``loss_regularizer``.

        Returns:
            dict[str, Tensor]: The losses and ``acc_seg`` (accuracy on the
            labelled pixels).
        """
        seg_logits, scribble_logits = seg_logits
        labels = stack_training_labels(batch_data_samples).to(seg_logits.device)
        size = labels.shape[1:]
        seg_logits = resize(seg_logits, size=size, mode='bilinear',
                            align_corners=self.align_corners)
        losses = dict()
        if scribble_logits is not None:
            scribble_logits = resize(scribble_logits, size=size,
                                     mode='bilinear',
                                     align_corners=self.align_corners)
            scribble_target = labels.clone()
            scribble_target[labels == UNLABELED_INDEX] = self.num_classes
            losses[self.loss_scribble.loss_name] = self.loss_scribble(
                scribble_logits, scribble_target, ignore_index=IGNORE_INDEX)
        targets = labels
        if self.self_training:
            class_mask = image_class_mask(labels, batch_data_samples,
                                          self.num_classes)
            class_mask[:, list(self.always_present_classes)] = 1.0
            targets = self.self_training_targets(seg_logits, labels,
                                                 class_mask)
        for loss_fn in self._seg_losses():
            if isinstance(loss_fn, BLPLoss):
                value = loss_fn(seg_logits, targets, scribble_logits.detach())
            else:
                value = loss_fn(seg_logits, targets, ignore_index=IGNORE_INDEX)
            name = loss_fn.loss_name
            losses[name] = losses[name] + value if name in losses else value
        if len(self.loss_regularizer) and image is None:
            raise ValueError('loss_regularizer needs the image')
        for loss_fn in self.loss_regularizer:
            losses[loss_fn.loss_name] = loss_fn(seg_logits, image, labels)
        labelled = (labels != IGNORE_INDEX) & (labels != UNLABELED_INDEX)
        # max(dim=1) finds the same classes as argmax(dim=1), ~8x faster
        # on CPU for channel-first maps
        predicted = seg_logits.detach().max(dim=1).indices
        correct = (predicted == labels) & labelled
        losses['acc_seg'] = 100.0 * correct.sum().float() / labelled.sum().clamp(
            min=1).float()
        return losses
