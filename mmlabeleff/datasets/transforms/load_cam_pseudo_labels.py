"""SPML's CAM pseudo labels of tag and box images, computed once and cached."""
import os.path as osp
from typing import Optional, Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform

from mmlabeleff.registry import TRANSFORMS
from mmlabeleff.structures.cam_dump import cached_label_png, dump_path, load_cam_dump
from mmlabeleff.structures.cam_pseudo_labels import cam_box_labels, cam_tag_labels
from mmlabeleff.structures.label_convention import UNLABELED_INDEX

__all__ = ['LoadCAMPseudoLabels']


@TRANSFORMS.register_module()
class LoadCAMPseudoLabels(BaseTransform):
    """Give image-tag and box samples SPML's CAM pseudo labels as their
    sparse map ``gt_sparse_seg_map``.

    SPML (Ke et al., ICLR 2021; github.com/twke18/SPML, MIT) trains on tags
    and boxes through sparse labels derived from CAMs
    (:func:`~mmlabeleff.structures.cam_pseudo_labels.cam_tag_labels`,
    :func:`~mmlabeleff.structures.cam_pseudo_labels.cam_box_labels`); here
    the CAMs are the dump of the image-tag pipeline's CAM stage
    (``configs/irn/cam_*``). The label of an image is
    ``<label_dir>/<supervision>/<image id>.png`` (uint8 class ids, 254
    unlabeled); when it is missing it is computed from the image's CAM
    dump (and, for boxes, ``gt_bboxes``) and written atomically, so the
    first epoch builds the cache in the data workers.

    Samples of any other supervision pass unchanged, so one pipeline serves
    a :class:`~mmlabeleff.datasets.MixedSupervisionDataset`. Use it after
    :class:`LoadWeakAnnotations` (boxes) and before any geometric transform
    (the dump is at the original size).

    Required keys: ``img`` or ``ori_shape``, ``img_path``, ``supervision``
    (absent = ``'full'``), ``gt_bboxes`` / ``gt_bboxes_labels`` for boxes.

    Added keys: ``gt_sparse_seg_map`` (uint8 ``(H, W)``), appended to
    ``seg_fields``.

    Args:
        cam_dump_dir (str): CAM dumps of the CAM stage.
        label_dir (str): Cache folder of the labels.
        alpha (float): Power of the background score. Defaults to 6.
        tag_threshold (float): Probability below which a tag image's pixel
            is unlabeled. Defaults to 0.2.
        box_threshold (float): The same inside boxes. Defaults to 0.5.
        background_index (int, optional): Background class, or None.
        supervision (Sequence[str]): The supervisions that get CAM labels.
            Defaults to ``('tags', 'boxes')``.
        num_classes (int, optional): The dataset's classes; a dump whose
            CAM labels are not below it is an error. Defaults to None (only
            the label convention's limit, 254, is checked).

    Raises:
        FileNotFoundError, ValueError: A missing or corrupt dump or label
            file, or one whose size differs from the image; the message
            names the file.
    """

    def __init__(self,
                 cam_dump_dir: str,
                 label_dir: str,
                 alpha: float = 6.0,
                 tag_threshold: float = 0.2,
                 box_threshold: float = 0.5,
                 background_index: Optional[int] = None,
                 supervision: Sequence[str] = ('tags', 'boxes'),
                 num_classes: Optional[int] = None) -> None:
        if not alpha > 0:
            raise ValueError(f'alpha must be > 0, got {alpha}')
        for name, value in (('tag_threshold', tag_threshold),
                            ('box_threshold', box_threshold)):
            if not 0 <= value <= 1:
                raise ValueError(f'{name} must lie in [0, 1], got {value}')
        unknown = set(supervision) - {'tags', 'boxes'}
        if unknown or not supervision:
            raise ValueError(f'supervision must be a non-empty subset of '
                             f"('tags', 'boxes'), got {tuple(supervision)}")
        self.cam_dump_dir = cam_dump_dir
        self.label_dir = label_dir
        self.alpha = float(alpha)
        self.tag_threshold = float(tag_threshold)
        self.box_threshold = float(box_threshold)
        self.background_index = background_index
        self.supervision = tuple(supervision)
        self.num_classes = num_classes

    def make_label(self, results: dict) -> np.ndarray:
        """Compute the label of one sample from its dump (no caching)."""
        img_path = results['img_path']
        path = dump_path(self.cam_dump_dir, img_path)
        arrays = load_cam_dump(path)
        shape = tuple(results['img'].shape[:2] if 'img' in results else
                      results['ori_shape'][:2])
        if tuple(arrays['ori_shape']) != shape:
            raise ValueError(f'{path}: CAM dump of size '
                             f'{tuple(int(v) for v in arrays["ori_shape"])} '
                             f'for the image {img_path} of size {shape}')
        cams = torch.from_numpy(arrays['cams'].astype(np.float32))
        labels = arrays['cam_labels'].tolist()
        limit = self.num_classes if self.num_classes is not None else UNLABELED_INDEX
        if any(not 0 <= c < limit for c in labels):
            raise ValueError(f'{path}: CAM labels {labels} outside 0..{limit - 1} '
                             '(a CAM dump of another dataset?)')
        if results['supervision'] == 'tags':
            label = cam_tag_labels(cams, labels, self.alpha, self.tag_threshold,
                                   self.background_index)
        else:
            if 'gt_bboxes' not in results:
                raise ValueError(f'{img_path}: a boxes sample without gt_bboxes; '
                                 'put LoadWeakAnnotations before '
                                 'LoadCAMPseudoLabels')
            bboxes = results['gt_bboxes']
            bboxes = torch.as_tensor(np.asarray(getattr(bboxes, 'tensor', bboxes)),
                                     dtype=torch.float32)
            label = cam_box_labels(cams, labels, bboxes,
                                   np.asarray(results['gt_bboxes_labels']).tolist(),
                                   self.alpha, self.box_threshold,
                                   self.background_index)
        return label.numpy().astype(np.uint8)

    def transform(self, results: dict) -> dict:
        """Add the sample's CAM label as ``gt_sparse_seg_map``."""
        supervision = results.get('supervision', 'full')
        if supervision not in self.supervision:
            return results
        path = dump_path(osp.join(self.label_dir, supervision),
                         results['img_path'], '.png')
        shape = (results['img'].shape[:2] if 'img' in results else
                 results['ori_shape'][:2])
        label = cached_label_png(path, lambda: self.make_label(results), shape,
                                 results['img_path'])
        results['gt_sparse_seg_map'] = label
        results.setdefault('seg_fields', [])
        if 'gt_sparse_seg_map' not in results['seg_fields']:
            results['seg_fields'].append('gt_sparse_seg_map')
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(cam_dump_dir={self.cam_dump_dir!r}, '
                f'label_dir={self.label_dir!r}, alpha={self.alpha}, '
                f'tag_threshold={self.tag_threshold}, box_threshold='
                f'{self.box_threshold}, background_index={self.background_index}, '
                f'supervision={self.supervision}, num_classes={self.num_classes})')
