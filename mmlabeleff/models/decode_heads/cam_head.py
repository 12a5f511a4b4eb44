"""Multi-label classification head whose weights give class activation maps."""
from typing import List, Optional, Sequence

import torch
import torch.nn.functional as F
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from torch import Tensor, nn

from mmlabeleff.registry import MODELS

__all__ = ['CAMHead']


@MODELS.register_module()
class CAMHead(BaseDecodeHead):
    """Global average pooling and a bias-free 1x1 classifier; its weights,
    applied to every position of the features, are the class activation
    maps (CAMs).

    Zhou et al., "Learning Deep Features for Discriminative Localization",
    CVPR 2016 (CAM); the form of IRN (Ahn, Cho and Kwak, CVPR 2019; public
    code github.com/jiwoon-ahn/irn, MIT licence, ``net/resnet50_cam.py``):
    the classifier is a ``1 x 1`` convolution without bias applied after the
    pooling, trained with the multi-label soft-margin loss, and the CAM of
    class ``c`` is ``relu(w_c . f(x, y))``. The loss is mmseg's
    ``CrossEntropyLoss(use_sigmoid=True)`` on the ``(N, C)`` logits and the
    multi-hot tags, which equals ``F.multilabel_soft_margin_loss``.

    The head scores the classes of ``class_ids`` (the ``C`` classes that
    image tags can name: every class of a dataset without background,
    the foreground classes of one with it); ``gt_image_labels`` of the data
    samples are ``(K,)`` multi-hot over the dataset's ``K`` classes and are
    indexed by ``class_ids``.

    Args:
        in_channels (int): Channels of the selected backbone stage.
        num_classes (int): ``K``, classes of the dataset.
        background_index (int, optional): The class with no CAM (the
            background of VOC / COCO), or None (MSRC-21, CamVid). Defaults
            to None.
        in_index (int): The backbone stage read. Defaults to -1.
        loss_decode (dict): The loss on ``(N, C)`` logits and multi-hot
            targets. Defaults to ``CrossEntropyLoss(use_sigmoid=True)``.
        **kwargs: Other arguments of mmseg's ``BaseDecodeHead``
            (``init_cfg`` ...); ``channels`` is ``in_channels``.
    """

    def __init__(self,
                 in_channels: int,
                 num_classes: int,
                 background_index: Optional[int] = None,
                 in_index: int = -1,
                 loss_decode: dict = dict(
                     type='mmseg.CrossEntropyLoss',
                     use_sigmoid=True,
                     loss_weight=1.0),
                 **kwargs) -> None:
        if background_index is not None and not 0 <= background_index < num_classes:
            raise ValueError(f'background_index {background_index} is not a '
                             f'class id of {num_classes} classes')
        kwargs.setdefault('channels', in_channels)
        kwargs.setdefault('dropout_ratio', 0.0)
        super().__init__(
            in_channels=in_channels,
            num_classes=num_classes,
            in_index=in_index,
            loss_decode=loss_decode,
            **kwargs)
        self.background_index = background_index
        ids = [c for c in range(num_classes) if c != background_index]
        self.register_buffer(
            'class_ids', torch.tensor(ids, dtype=torch.long), persistent=False)
        # bias-free classifier over the CAM classes (IRN: Conv2d(..., 1, bias=False))
        self.conv_seg = nn.Conv2d(in_channels, len(ids), 1, bias=False)

    @property
    def num_cam_classes(self) -> int:
        """``C``: classes with a CAM."""
        return len(self.class_ids)

    def forward(self, inputs: Sequence[Tensor]) -> Tensor:
        """``(N, C)`` classification logits of the pooled features."""
        feats = self._transform_inputs(inputs)
        pooled = F.adaptive_avg_pool2d(feats, 1)
        return self.conv_seg(pooled).flatten(1)

    def cams(self, inputs: Sequence[Tensor]) -> Tensor:
        """``(N, C, h, w)`` class activation maps, ``relu(w . f)``."""
        feats = self._transform_inputs(inputs)
        return F.relu(F.conv2d(feats, self.conv_seg.weight))

    def image_label_targets(self, batch_data_samples: List) -> Tensor:
        """``(N, C)`` multi-hot targets from ``gt_image_labels``.

        Raises:
            ValueError: A sample without ``gt_image_labels`` or with the
                wrong length (the message names the image).
        """
        targets = []
        k = self.num_classes
        for sample in batch_data_samples:
            if 'gt_image_labels' not in sample:
                raise ValueError(f'{sample.metainfo.get("img_path")}: CAMHead '
                                 'needs image tags (gt_image_labels); load '
                                 'them with LoadWeakAnnotations')
            tags = sample.gt_image_labels
            if tags.numel() != k:
                raise ValueError(f'{sample.metainfo.get("img_path")}: '
                                 f'gt_image_labels has {tags.numel()} entries, '
                                 f'the head has {k} classes')
            targets.append(tags.float().flatten())
        stacked = torch.stack(targets).to(self.class_ids.device)
        return stacked[:, self.class_ids]

    def loss_by_feat(self, seg_logits: Tensor, batch_data_samples: List) -> dict:
        """Multi-label loss and accuracy of the ``(N, C)`` logits.

        Returns:
            dict: ``loss_cls`` (or the loss's own name) and ``acc_cls``, the
            percentage of (image, class) decisions right at logit 0.
        """
        targets = self.image_label_targets(batch_data_samples).to(seg_logits)
        losses = dict()
        loss_modules = (self.loss_decode if isinstance(self.loss_decode, nn.ModuleList)
                        else [self.loss_decode])
        for loss_module in loss_modules:
            name = loss_module.loss_name
            if name == 'loss_ce':
                name = 'loss_cls'
            losses[name] = losses.get(name, 0) + loss_module(seg_logits, targets)
        with torch.no_grad():
            right = ((seg_logits > 0).float() == targets).float().mean()
        losses['acc_cls'] = right * 100
        return losses

    def predict_by_feat(self, seg_logits: Tensor,
                        batch_img_metas: List[dict]) -> Tensor:
        """The ``(N, C)`` logits as they are (CAMs come from :meth:`cams`)."""
        return seg_logits
