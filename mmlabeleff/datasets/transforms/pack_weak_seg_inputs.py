"""Pack every kind of label into a :class:`~mmseg.structures.SegDataSample`."""
from typing import Sequence

import numpy as np
import torch
from mmcv.transforms import to_tensor
from mmengine.structures import InstanceData, PixelData
from mmseg.datasets.transforms import PackSegInputs

from mmlabeleff.registry import TRANSFORMS
from mmlabeleff.structures import DOMAINS, SUPERVISION_TYPES

__all__ = ['PackWeakSegInputs']


@TRANSFORMS.register_module()
class PackWeakSegInputs(PackSegInputs):
    """mmseg's :class:`~mmseg.datasets.transforms.PackSegInputs` plus the
    fields of :mod:`mmlabeleff.structures.label_convention`.

    ==========================  ==============================================
    results key                 data sample field
    ==========================  ==============================================
    ``img``                     ``inputs`` (upstream)
    ``gt_seg_map``              ``gt_sem_seg`` (upstream)
    ``gt_sparse_seg_map``       ``gt_sparse_seg``: ``PixelData``, ``data``
                                ``(1, H, W)`` long
    ``gt_superpixel_map``       ``gt_superpixel``: ``PixelData``, ``data``
                                ``(1, H, W)`` long over-segment ids
    ``gt_image_labels``         ``gt_image_labels``: ``(K,)`` float tensor
    ``gt_bboxes``,              ``gt_instances``: ``InstanceData`` with
    ``gt_bboxes_labels``        ``bboxes`` ``(N, 4)`` float and ``labels``
                                ``(N,)`` long; boxes flagged in
                                ``gt_ignore_flags`` go to
                                ``ignored_instances`` instead (as mmdet's
                                ``PackDetInputs`` does)
    ``gt_points``,              ``gt_points``: ``InstanceData`` with
    ``gt_points_labels``        ``points`` ``(N, 2)`` float x, y and
                                ``labels`` ``(N,)`` long
    ``strided_cams``, ``cams``  ``PixelData`` fields of the same names
    ``cam_labels``              metainfo ``cam_labels``
                                (:class:`LoadCAMDump`)
    ==========================  ==============================================

    The metainfo gets ``supervision`` and ``domain`` (see
    :data:`~mmlabeleff.structures.SUPERVISION_TYPES` and
    :data:`~mmlabeleff.structures.DOMAINS`), ``default_supervision`` /
    ``default_domain`` when the data info has none; unknown values raise a
    ``ValueError`` naming the image.

    Args:
        meta_keys (Sequence[str]): Keys copied into the metainfo. Defaults to
            mmseg's plus ``sparse_map_path``, ``supervision`` and ``domain``.
        default_supervision (str): Defaults to ``'full'``.
        default_domain (str): Defaults to ``'source'``.
    """

    def __init__(self,
                 meta_keys: Sequence[str] = (
                     'img_path', 'seg_map_path', 'sparse_map_path',
                     'ori_shape', 'img_shape', 'pad_shape', 'scale_factor',
                     'flip', 'flip_direction', 'reduce_zero_label',
                     'supervision', 'domain'),
                 default_supervision: str = 'full',
                 default_domain: str = 'source') -> None:
        super().__init__(meta_keys=meta_keys)
        self.default_supervision = default_supervision
        self.default_domain = default_domain

    @staticmethod
    def _pack_boxes(results: dict, data_sample) -> None:
        """``gt_instances`` (and ``ignored_instances``) from the box keys."""
        boxes = results['gt_bboxes']
        # mmdet box structures (``box_type`` pipelines) carry a ``tensor``.
        boxes = torch.as_tensor(
            np.asarray(getattr(boxes, 'tensor', boxes)),
            dtype=torch.float32).reshape(-1, 4)
        labels = results.get('gt_bboxes_labels', None)
        labels = (torch.zeros(len(boxes), dtype=torch.long) if labels is None
                  else torch.as_tensor(np.asarray(labels), dtype=torch.long))
        flags = results.get('gt_ignore_flags', None)
        if flags is None:
            data_sample.gt_instances = InstanceData(bboxes=boxes, labels=labels)
            return
        flags = torch.as_tensor(np.asarray(flags, dtype=bool))
        data_sample.gt_instances = InstanceData(
            bboxes=boxes[~flags], labels=labels[~flags])
        data_sample.ignored_instances = InstanceData(
            bboxes=boxes[flags], labels=labels[flags])

    def _check_meta(self, data_sample) -> None:
        for key, default, allowed in (
                ('supervision', self.default_supervision, SUPERVISION_TYPES),
                ('domain', self.default_domain, DOMAINS)):
            if key not in self.meta_keys:
                continue
            if key not in data_sample:
                data_sample.set_metainfo({key: default})
            if data_sample.metainfo[key] not in allowed:
                raise ValueError(
                    f'{data_sample.metainfo.get("img_path")}: {key} '
                    f'{data_sample.metainfo[key]!r} is not one of {allowed}')

    def transform(self, results: dict) -> dict:
        """Pack the image and every label of ``results``.

        Args:
            results (dict): Transform results.

        Returns:
            dict: ``inputs`` (``(C, H, W)`` tensor) and ``data_samples``
            (:class:`~mmseg.structures.SegDataSample`).
        """
        packed = super().transform(results)
        data_sample = packed['data_samples']

        if results.get('gt_sparse_seg_map', None) is not None:
            sparse = results['gt_sparse_seg_map']
            if sparse.ndim == 2:
                sparse = sparse[None]
            data_sample.set_data(
                dict(gt_sparse_seg=PixelData(
                    data=to_tensor(sparse.astype(np.int64)))))
        if results.get('gt_superpixel_map', None) is not None:
            segments = results['gt_superpixel_map']
            if segments.ndim == 2:
                segments = segments[None]
            data_sample.set_data(
                dict(gt_superpixel=PixelData(
                    data=to_tensor(segments.astype(np.int64)))))
        if results.get('gt_image_labels', None) is not None:
            tags = torch.as_tensor(
                np.asarray(results['gt_image_labels']), dtype=torch.float32)
            data_sample.set_data(dict(gt_image_labels=tags))
        if results.get('gt_bboxes', None) is not None:
            self._pack_boxes(results, data_sample)
        for key in ('strided_cams', 'cams'):
            if results.get(key, None) is not None:
                data_sample.set_field(
                    PixelData(data=torch.as_tensor(results[key],
                                                   dtype=torch.float32)), key)
        if results.get('cam_labels', None) is not None:
            data_sample.set_metainfo(dict(cam_labels=list(results['cam_labels'])))
        if results.get('gt_points', None) is not None:
            points = np.asarray(results['gt_points'],
                                dtype=np.float32).reshape(-1, 2)
            labels = results.get('gt_points_labels', None)
            if labels is None:
                labels = np.zeros(len(points), dtype=np.int64)
            data_sample.gt_points = InstanceData(
                points=to_tensor(points),
                labels=to_tensor(np.asarray(labels, dtype=np.int64)))
        self._check_meta(data_sample)
        return packed

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(meta_keys={self.meta_keys}, '
                f"default_supervision='{self.default_supervision}', "
                f"default_domain='{self.default_domain}')")
