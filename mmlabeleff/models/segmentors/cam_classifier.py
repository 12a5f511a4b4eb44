"""Multi-label image classifier that predicts class activation maps."""
from typing import List, Optional, Sequence

import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.models.segmentors.base import BaseSegmentor
from mmseg.structures import SegDataSample
from torch import Tensor

from mmlabeleff.registry import MODELS
from mmlabeleff.structures.cam_dump import cam_seed

__all__ = ['CAMClassifier']


def strided_size(size: Sequence[int], stride: int) -> tuple:
    """``ceil(size / stride)`` per side (IRN's ``get_strided_size``)."""
    return tuple((s - 1) // stride + 1 for s in size)


@MODELS.register_module()
class CAMClassifier(BaseSegmentor):
    """Backbone + :class:`~mmlabeleff.models.decode_heads.CAMHead` trained on
    image tags; predicts multi-scale, flipped class activation maps.

    The CAM stage of IRN (Ahn, Cho and Kwak, "Weakly Supervised Learning of
    Instance Segmentation with Inter-pixel Relations", CVPR 2019; public
    code github.com/jiwoon-ahn/irn, MIT licence, ``step/make_cam.py``). For
    every scale ``s`` of ``test_cfg.scales`` (IRN: 1.0, 0.5, 1.5, 2.0) the
    image is resized by ``s`` (bicubic, rounded sizes) and run together with
    its horizontal flip; the CAM of the scale is the sum of the two (the
    flipped one flipped back). The scales' CAMs are resized bilinearly
    (``align_corners=False``) and summed twice: to ``ceil(size / 4)``
    (``strided_cams``, what the random walk of the affinity stage
    propagates) and to ``ceil(size / 16) * 16`` cropped to the image size
    (``cams``, the full-resolution seeds). Only the CAMs of the image's
    tags are kept, each divided by its maximum + 1e-5.

    A predicted data sample carries ``cams`` and ``strided_cams``
    (``PixelData`` of ``(T, H, W)`` and ``(T, ceil(H/4), ceil(W/4))`` for
    the image's ``T`` tags), the metainfo ``cam_labels`` (their class ids)
    and ``pred_sem_seg``, the seed (see :func:`cam_seed`). Images without
    ``gt_image_labels`` use the classes whose scale-1 logit is positive
    (at least the best one).

    IRN resizes the uint8 image with PIL; here the normalised tensor is
    resized (bicubic, antialiased when shrinking), which differs by the
    rounding of the uint8 intermediate.

    Args:
        backbone (dict): Backbone config (IRN: ResNet-50 at output stride
            16; here also EfficientNet-Lite with ``out_stride=16``).
        decode_head (dict): :class:`CAMHead` config.
        neck (dict, optional): Neck config.
        train_cfg (dict, optional): Unused; kept for the mmseg interface.
        test_cfg (dict, optional): ``scales`` (default ``(1.0, 0.5, 1.5,
            2.0)``), ``flip`` (True), ``strided_stride`` (4),
            ``up_stride`` (16), ``bg_threshold`` (0.15, IRN's
            ``cam_eval_thres``: the background score of the seed of a
            dataset with a background class).
        data_preprocessor (dict, optional): Data preprocessor config.
        pretrained (str, optional): Backbone weights.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 backbone: dict,
                 decode_head: dict,
                 neck: Optional[dict] = None,
                 train_cfg: Optional[dict] = None,
                 test_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 pretrained: Optional[str] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if pretrained is not None:
            backbone = dict(backbone, pretrained=pretrained)
        self.backbone = MODELS.build(backbone)
        self.neck = MODELS.build(neck) if neck is not None else None
        self.decode_head = MODELS.build(decode_head)
        self.num_classes = self.decode_head.num_classes
        self.align_corners = False
        self.out_channels = self.num_classes
        self.train_cfg = train_cfg or {}
        cfg = dict(scales=(1.0, 0.5, 1.5, 2.0), flip=True, strided_stride=4,
                   up_stride=16, bg_threshold=0.15)
        cfg.update(test_cfg or {})
        if not cfg['scales'] or any(not s > 0 for s in cfg['scales']):
            raise ValueError(f'test_cfg.scales must be positive, got {cfg["scales"]}')
        self.test_cfg = cfg

    @property
    def background_index(self) -> Optional[int]:
        """The class without a CAM, or None."""
        return self.decode_head.background_index

    def extract_feat(self, inputs: Tensor) -> List[Tensor]:
        """Backbone (and neck) features."""
        feats = self.backbone(inputs)
        if self.neck is not None:
            feats = self.neck(feats)
        return feats

    def encode_decode(self, inputs: Tensor, batch_img_metas: List[dict]) -> Tensor:
        """``(N, C)`` classification logits."""
        return self.decode_head(self.extract_feat(inputs))

    def _forward(self, inputs: Tensor, data_samples=None) -> Tensor:
        """``(N, C)`` classification logits (the ``'tensor'`` mode)."""
        return self.encode_decode(inputs, None)

    def loss(self, inputs: Tensor, data_samples: List) -> dict:
        """Multi-label loss on ``gt_image_labels``."""
        return self.decode_head.loss(self.extract_feat(inputs), data_samples,
                                     self.train_cfg)

    def scale_cams(self, image: Tensor, scale: float) -> Tensor:
        """``(C, h, w)`` CAMs of one ``(1, 3, H, W)`` image at one scale,
        the flipped image's CAMs (flipped back) added when ``flip``."""
        h, w = image.shape[-2:]
        if scale != 1.0:
            size = (max(1, int(round(h * scale))), max(1, int(round(w * scale))))
            image = F.interpolate(image, size=size, mode='bicubic',
                                  align_corners=False, antialias=scale < 1)
        batch = torch.cat([image, image.flip(-1)]) if self.test_cfg['flip'] else image
        cams = self.decode_head.cams(self.extract_feat(batch))
        out = cams[0]
        if self.test_cfg['flip']:
            out = out + cams[1].flip(-1)
        return out

    def image_cams(self, image: Tensor, class_ids: Tensor) -> tuple:
        """Multi-scale CAMs of one image for the given CAM channels.

        Args:
            image (Tensor): ``(1, 3, H, W)`` preprocessed image.
            class_ids (Tensor): Indices into the head's ``C`` channels.

        Returns:
            tuple[Tensor, Tensor]: ``(T, H, W)`` full-resolution and
            ``(T, ceil(H/4), ceil(W/4))`` strided CAMs, each channel divided
            by its maximum + 1e-5.
        """
        size = tuple(image.shape[-2:])
        small = strided_size(size, self.test_cfg['strided_stride'])
        up = tuple(s * self.test_cfg['up_stride']
                   for s in strided_size(size, self.test_cfg['up_stride']))
        strided = high = None
        for scale in self.test_cfg['scales']:
            cam = self.scale_cams(image, float(scale))[class_ids][None]
            s = F.interpolate(cam, small, mode='bilinear', align_corners=False)[0]
            u = F.interpolate(cam, up, mode='bilinear',
                              align_corners=False)[0, :, :size[0], :size[1]]
            strided = s if strided is None else strided + s
            high = u if high is None else high + u
        strided = strided / (strided.amax(dim=(1, 2), keepdim=True) + 1e-5)
        high = high / (high.amax(dim=(1, 2), keepdim=True) + 1e-5)
        return high, strided

    def image_classes(self, image: Tensor, sample) -> Tensor:
        """Indices (into the head's channels) of the image's tags, or of its
        positive logits when it has none."""
        head = self.decode_head
        if 'gt_image_labels' in sample:
            tags = sample.gt_image_labels.to(image.device).flatten()
            return torch.nonzero(tags[head.class_ids] > 0).flatten()
        logits = head(self.extract_feat(image))[0]
        found = torch.nonzero(logits > 0).flatten()
        return found if found.numel() else logits.argmax().reshape(1)

    def predict(self, inputs: Tensor, data_samples: Optional[List] = None) -> List:
        """CAMs of every image of the batch (see the class docstring).

        Returns:
            list[SegDataSample]: The input samples with ``cams``,
            ``strided_cams``, ``pred_sem_seg`` and metainfo ``cam_labels``.
        """
        if data_samples is None:
            data_samples = [
                SegDataSample(metainfo=dict(img_shape=inputs.shape[2:],
                                            ori_shape=inputs.shape[2:]))
                for _ in range(inputs.shape[0])
            ]
        for i, sample in enumerate(data_samples):
            h, w = sample.metainfo.get('img_shape', inputs.shape[2:])[:2]
            image = inputs[i:i + 1, :, :h, :w]
            channels = self.image_classes(image, sample)
            high, strided = self.image_cams(image, channels)
            ori = tuple(sample.metainfo.get('ori_shape', (h, w))[:2])
            if ori != (h, w):
                high = F.interpolate(high[None], ori, mode='bilinear',
                                     align_corners=False)[0]
            labels = self.decode_head.class_ids[channels].tolist()
            sample.set_metainfo(dict(cam_labels=labels))
            sample.cams = PixelData(data=high)
            sample.strided_cams = PixelData(data=strided)
            threshold = (self.test_cfg['bg_threshold']
                         if self.background_index is not None else None)
            sample.pred_sem_seg = PixelData(data=cam_seed(
                high, labels, self.background_index, threshold)[None])
        return data_samples

