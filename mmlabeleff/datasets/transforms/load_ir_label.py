"""IRN's confident-region labels of an image, computed once and cached."""
from typing import Optional

import numpy as np
import torch
from mmcv.transforms import BaseTransform

from mmlabeleff.registry import TASK_UTILS, TRANSFORMS
from mmlabeleff.structures.cam_dump import (
    cached_label_png,
    confident_labels,
    dump_path,
    load_cam_dump,
)

__all__ = ['LoadIRLabel']


@TRANSFORMS.register_module()
class LoadIRLabel(BaseTransform):
    """Load (computing and caching it the first time) the inter-pixel
    relation label of an image as its dense map ``gt_seg_map``.

    IRN (Ahn, Cho and Kwak, CVPR 2019; github.com/jiwoon-ahn/irn, MIT,
    ``step/cam_to_ir_label.py``) trains its boundary network on the
    confident regions of the CAMs: :func:`~mmlabeleff.structures.
    confident_labels` with a dense CRF (``DenseCRFRefiner`` preset ``'irn'``,
    unary from the labels with confidence 0.7). The label of an image is
    ``<label_dir>/<image id>.png`` (uint8, 255 uncertain); when it is
    missing it is computed from the image's CAM dump and written atomically,
    so the first epoch builds the cache in the data workers and an
    interrupted run resumes where it stopped.

    Required keys: ``img`` (BGR uint8, before any geometric transform),
    ``img_path``, ``seg_fields``.

    Added keys: ``gt_seg_map`` (uint8 ``(H, W)``), appended to
    ``seg_fields``.

    Args:
        cam_dump_dir (str): CAM dumps of the CAM stage.
        label_dir (str): Cache folder of the labels.
        background_index (int, optional): Background class, or None.
        conf_fg_thres (float): IRN's 0.30.
        conf_bg_thres (float): IRN's 0.05.
        crf (dict): The refiner (``TASK_UTILS``). Defaults to
            ``DenseCRFRefiner(preset='irn')``.
        gt_prob (float): Confidence of the unary. Defaults to 0.7.

    Raises:
        FileNotFoundError, ValueError: A missing or corrupt dump or label
            file, or one whose size differs from the image; the message
            names the file.
    """

    def __init__(self,
                 cam_dump_dir: str,
                 label_dir: str,
                 background_index: Optional[int] = None,
                 conf_fg_thres: float = 0.30,
                 conf_bg_thres: float = 0.05,
                 crf: dict = dict(type='DenseCRFRefiner', preset='irn'),
                 gt_prob: float = 0.7) -> None:
        for name, value in (('conf_fg_thres', conf_fg_thres),
                            ('conf_bg_thres', conf_bg_thres)):
            if not 0 <= value <= 1:
                raise ValueError(f'{name} must lie in [0, 1], got {value}')
        if not 0 < gt_prob < 1:
            raise ValueError(f'gt_prob must lie in (0, 1), got {gt_prob}')
        self.cam_dump_dir = cam_dump_dir
        self.label_dir = label_dir
        self.background_index = background_index
        self.conf_fg_thres = conf_fg_thres
        self.conf_bg_thres = conf_bg_thres
        self.crf_cfg = crf
        self.refiner = TASK_UTILS.build(crf)
        self.gt_prob = gt_prob

    def make_label(self, img_path: str, image_bgr: np.ndarray) -> np.ndarray:
        """Compute the label of one image from its dump (no caching)."""
        path = dump_path(self.cam_dump_dir, img_path)
        arrays = load_cam_dump(path)
        if tuple(arrays['ori_shape']) != tuple(image_bgr.shape[:2]):
            raise ValueError(f'{path}: CAM dump of size '
                             f'{tuple(int(v) for v in arrays["ori_shape"])} '
                             f'for the image {img_path} of size '
                             f'{tuple(image_bgr.shape[:2])}')
        rgb = torch.from_numpy(np.ascontiguousarray(image_bgr[..., ::-1]))
        rgb = rgb.permute(2, 0, 1)[None].contiguous()

        def refine(index, num_labels):
            return self.refiner.refine_labels(index, rgb, num_labels, self.gt_prob)

        label = confident_labels(
            torch.from_numpy(arrays['cams'].astype(np.float32)),
            arrays['cam_labels'].tolist(), refine, self.background_index,
            self.conf_fg_thres, self.conf_bg_thres)
        return label.numpy().astype(np.uint8)

    def transform(self, results: dict) -> dict:
        """Add the image's label as ``gt_seg_map``."""
        img_path = results['img_path']
        path = dump_path(self.label_dir, img_path, '.png')
        label = cached_label_png(
            path, lambda: self.make_label(img_path, results['img']),
            results['img'].shape[:2], img_path)
        results['gt_seg_map'] = label
        results.setdefault('seg_fields', [])
        if 'gt_seg_map' not in results['seg_fields']:
            results['seg_fields'].append('gt_seg_map')
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(cam_dump_dir={self.cam_dump_dir!r}, '
                f'label_dir={self.label_dir!r}, background_index='
                f'{self.background_index}, conf_fg_thres={self.conf_fg_thres}, '
                f'conf_bg_thres={self.conf_bg_thres}, crf={self.crf_cfg})')
