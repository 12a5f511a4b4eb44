"""IRN: boundary network on a frozen backbone; random-walk pseudo labels."""
from typing import List, Optional

import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.models.segmentors.base import BaseSegmentor
from torch import Tensor

from mmlabeleff.ops import affinity_from_boundary, random_walk
from mmlabeleff.ops.random_walk import _check_beta, _check_log_t, _check_radius
from mmlabeleff.registry import MODELS, TASK_UTILS
from mmlabeleff.structures.cam_dump import cam_seed

__all__ = ['IRNet']


@MODELS.register_module()
class IRNet(BaseSegmentor):
    """Inter-pixel relation network: learns class boundaries from the
    confident regions of CAMs and turns CAMs into pseudo masks by a random
    walk over the boundary affinities.

    Ahn, Cho and Kwak, "Weakly Supervised Learning of Instance Segmentation
    with Inter-pixel Relations", CVPR 2019; public code
    github.com/jiwoon-ahn/irn (MIT licence), ``step/train_irn.py`` and
    ``step/make_sem_seg_labels.py``.

    Training: the backbone is frozen (eval mode, no gradient; ImageNet
    weights, as IRN's) and :class:`~mmlabeleff.models.decode_heads.IRNHead`
    learns from ``gt_sem_seg``, the confident labels of
    :class:`~mmlabeleff.datasets.transforms.LoadIRLabel`, reduced to stride
    4 (nearest, sampling pixel centres as PIL).

    Prediction (``tools/test.py`` with a ``DumpTestLoop``): the boundary
    ``B = sigmoid((b(x) + flip(b(flip(x)))) / 2)`` at stride 4; the image's
    strided CAMs (``strided_cams`` from
    :class:`~mmlabeleff.datasets.transforms.LoadCAMDump`) times ``1 - B``
    are propagated by :func:`~mmlabeleff.ops.random_walk` over
    ``affinity_from_boundary(B, rw_radius, path='irn')`` with ``beta`` and
    ``2**exp_times`` steps, upsampled x4 (bilinear), cropped, divided by
    their global maximum and labelled by :func:`cam_seed` under a plane of
    ``sem_seg_bg_thres`` (the background, or 255 "uncertain" for datasets
    without one): ``pred_sem_seg``. With ``test_cfg.crf`` the same label map
    is refined by ``DenseCRFRefiner.refine_labels`` (IRN's CRF form):
    ``crf_sem_seg``. ``boundary`` (``PixelData``, stride 4) is kept for the
    dashboards.

    Args:
        backbone (dict): Backbone config (frozen).
        decode_head (dict): :class:`IRNHead` config.
        test_cfg (dict, optional): ``rw_radius`` (4.9, IRN's 5), ``beta``
            (10), ``exp_times`` (8), ``sem_seg_bg_thres`` (0.25), ``crf``
            (None, or a ``TASK_UTILS`` refiner config), ``crf_gt_prob``
            (0.7).
        train_cfg (dict, optional): Unused.
        data_preprocessor (dict, optional): Its ``mean`` / ``std`` also
            undo the normalisation for the CRF.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 backbone: dict,
                 decode_head: dict,
                 test_cfg: Optional[dict] = None,
                 train_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.decode_head = MODELS.build(decode_head)
        for param in self.backbone.parameters():
            param.requires_grad = False
        cfg = dict(rw_radius=4.9, beta=10.0, exp_times=8, sem_seg_bg_thres=0.25,
                   crf=None, crf_gt_prob=0.7)
        cfg.update(test_cfg or {})
        _check_radius(cfg['rw_radius'])
        _check_beta(cfg['beta'])
        _check_log_t(cfg['exp_times'])
        if not 0 <= cfg['sem_seg_bg_thres'] <= 1:
            raise ValueError('test_cfg.sem_seg_bg_thres must lie in [0, 1], got '
                             f'{cfg["sem_seg_bg_thres"]}')
        self.test_cfg = cfg
        self.train_cfg = train_cfg or {}
        self.refiner = TASK_UTILS.build(cfg['crf']) if cfg['crf'] else None
        self.align_corners = False

    @property
    def background_index(self) -> Optional[int]:
        """Background class of the labels, or None."""
        return self.decode_head.background_index

    def train(self, mode: bool = True):
        """Train mode for the head; the backbone stays in eval mode."""
        super().train(mode)
        self.backbone.eval()
        return self

    def extract_feat(self, inputs: Tensor) -> List[Tensor]:
        """Frozen backbone features (no gradient)."""
        with torch.no_grad():
            return [f.detach() for f in self.backbone(inputs)]

    def encode_decode(self, inputs: Tensor, batch_img_metas: List[dict]) -> Tensor:
        """Boundary probabilities ``(N, 1, h, w)`` at stride 4."""
        edge, _ = self.decode_head(self.extract_feat(inputs))
        return torch.sigmoid(edge)

    def _forward(self, inputs: Tensor, data_samples=None):
        """Boundary logits and displacements (the ``'tensor'`` mode)."""
        return self.decode_head(self.extract_feat(inputs))

    def loss(self, inputs: Tensor, data_samples: List) -> dict:
        """IRN's loss on the confident labels at stride 4."""
        edge, dp = self.decode_head(self.extract_feat(inputs))
        labels = torch.stack([s.gt_sem_seg.data for s in data_samples]).float()
        labels = F.interpolate(labels, size=edge.shape[-2:], mode='nearest-exact')
        return self.decode_head.loss_by_feat(edge, dp, labels[:, 0].long())

    def boundary(self, image: Tensor) -> Tensor:
        """``(h, w)`` boundary map of one ``(1, 3, H, W)`` image and its flip."""
        both = torch.cat([image, image.flip(-1)])
        edge, _ = self.decode_head(self.extract_feat(both))
        return torch.sigmoid(edge[0, 0] / 2 + edge[1, 0].flip(-1) / 2)

    def propagate(self, cams: Tensor, boundary: Tensor) -> Tensor:
        """IRN's ``propagate_to_edge``: ``(T, h, w)`` strided CAMs over the
        ``(h, w)`` boundary map, ``(T, h, w)`` result."""
        cfg = self.test_cfg
        affinity = affinity_from_boundary(boundary[None, None], cfg['rw_radius'],
                                          path='irn')
        return random_walk((cams * (1 - boundary))[None], affinity, cfg['rw_radius'],
                           cfg['beta'], int(cfg['exp_times']))[0]

    def _rgb(self, image: Tensor) -> Tensor:
        """Undo the preprocessor's normalisation: ``(1, 3, H, W)`` uint8 RGB."""
        pre = self.data_preprocessor
        mean = getattr(pre, 'mean', None)
        std = getattr(pre, 'std', None)
        out = image
        if mean is not None and std is not None:
            out = image * std.view(1, -1, 1, 1) + mean.view(1, -1, 1, 1)
        return out.round().clamp(0, 255).to(torch.uint8)

    def predict(self, inputs: Tensor, data_samples: List) -> List:
        """Random-walk (and CRF) pseudo labels of every image of the batch.

        Raises:
            KeyError: A sample without ``strided_cams`` (load them with
                ``LoadCAMDump``).
        """
        cfg = self.test_cfg
        for i, sample in enumerate(data_samples):
            if 'strided_cams' not in sample:
                raise KeyError(f'{sample.metainfo.get("img_path")}: IRNet.predict '
                               'needs strided_cams; add LoadCAMDump to the pipeline')
            h, w = sample.metainfo['img_shape'][:2]
            image = inputs[i:i + 1, :, :h, :w]
            edge = self.boundary(image)
            cams = sample.strided_cams.data.to(edge)
            labels = list(sample.metainfo.get('cam_labels', []))
            if cams.shape[-2:] != edge.shape:
                raise ValueError(f'{sample.metainfo.get("img_path")}: strided CAMs '
                                 f'{tuple(cams.shape[-2:])} and boundary map '
                                 f'{tuple(edge.shape)} differ in size')
            if labels:
                rw = self.propagate(cams, edge)
                rw_up = F.interpolate(rw[None], scale_factor=4, mode='bilinear',
                                      align_corners=False)[0, :, :h, :w]
                rw_up = rw_up / rw_up.max().clamp_min(1e-12)
            else:
                rw_up = edge.new_zeros((0, h, w))
            pred = cam_seed(rw_up, labels, self.background_index,
                            cfg['sem_seg_bg_thres'])
            ori = tuple(sample.metainfo.get('ori_shape', (h, w))[:2])
            sample.pred_sem_seg = PixelData(data=self._to_size(pred, ori)[None])
            sample.boundary = PixelData(data=edge[None])
            if self.refiner is not None:
                plane = rw_up.new_full((1, h, w), cfg['sem_seg_bg_thres'])
                index = torch.cat([plane, rw_up]).argmax(dim=0)
                refined = self.refiner.refine_labels(index[None], self._rgb(image),
                                                     len(labels) + 1,
                                                     cfg['crf_gt_prob'])[0]
                plane_label = (self.background_index if self.background_index
                               is not None else 255)
                lut = torch.tensor([plane_label] + labels, dtype=torch.long,
                                   device=refined.device)
                sample.crf_sem_seg = PixelData(
                    data=self._to_size(lut[refined], ori)[None])
        return data_samples

    @staticmethod
    def _to_size(label: Tensor, size: tuple) -> Tensor:
        """Nearest resize of an ``(h, w)`` label map (the original size of
        a test pipeline that resized the image)."""
        if tuple(label.shape) == tuple(size):
            return label
        return F.interpolate(label[None, None].float(), size=size,
                             mode='nearest')[0, 0].long()
