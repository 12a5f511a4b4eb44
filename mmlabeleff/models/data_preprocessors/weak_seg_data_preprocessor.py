"""Data preprocessor that pads sparse label maps like dense ones."""
from typing import Any, Dict

import torch.nn.functional as F
from mmseg.models import SegDataPreProcessor

from mmlabeleff.registry import MODELS
from mmlabeleff.structures import IGNORE_INDEX

__all__ = ['WeakSegDataPreProcessor']


@MODELS.register_module()
class WeakSegDataPreProcessor(SegDataPreProcessor):
    """mmseg's :class:`~mmseg.models.SegDataPreProcessor` for weak labels.

    Upstream normalises and stacks the images and, in training, pads each
    image and its ``gt_sem_seg`` at the bottom/right to ``size`` or to a
    multiple of ``size_divisor`` (``mmseg.utils.stack_batch``), recording
    ``padding_size`` in the metainfo. This subclass pads ``gt_sparse_seg``
    with the same ``padding_size`` and with :data:`IGNORE_INDEX` (255), so
    that padding is never mistaken for the unlabeled value 254. When
    testing, upstream pads only the images (``test_cfg``) and keeps
    ``gt_sem_seg`` at the image's size (predictions are cropped back), so
    ``gt_sparse_seg`` is likewise left as it is.

    ``gt_superpixel`` (over-segment ids) is padded with 0 alike (padding
    is told apart by the labels' 255).
    Boxes (``gt_instances``, ``ignored_instances``), points (``gt_points``)
    and tags (``gt_image_labels``) are left unchanged: the padding is added
    at the bottom and right, so pixel coordinates keep their meaning.

    Samples without a dense map get ``pad_shape`` (upstream sets it from
    ``gt_sem_seg`` only, else None) from their padded sparse map or image.

    Args:
        sparse_seg_pad_val (int): Padding value of ``gt_sparse_seg``.
            Defaults to 255.
        **kwargs: Those of mmseg's ``SegDataPreProcessor`` (``mean``,
            ``std``, ``size``, ``size_divisor``, ``pad_val``,
            ``seg_pad_val``, ``bgr_to_rgb``, ``test_cfg``, ...).
    """

    def __init__(self, sparse_seg_pad_val: int = IGNORE_INDEX,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.sparse_seg_pad_val = sparse_seg_pad_val

    def forward(self, data: dict, training: bool = False) -> Dict[str, Any]:
        """Normalise, pad and stack as upstream, then pad sparse maps.

        Batch augmentations, if any, run after the sparse maps are padded.

        Args:
            data (dict): ``inputs`` and ``data_samples`` from the dataloader.
            training (bool): Whether in training (where labels are padded).

        Returns:
            dict: ``inputs`` (``(B, C, H, W)``) and ``data_samples``.
        """
        batch_augments, self.batch_augments = self.batch_augments, None
        try:
            data = super().forward(data, training)
        finally:
            self.batch_augments = batch_augments
        inputs, data_samples = data['inputs'], data['data_samples']
        if not training:
            return data

        for data_sample in data_samples:
            padding_size = data_sample.metainfo['padding_size']
            if 'gt_sparse_seg' in data_sample:
                sparse = data_sample.gt_sparse_seg.data
                del data_sample.gt_sparse_seg.data
                data_sample.gt_sparse_seg.data = F.pad(
                    sparse, padding_size, value=self.sparse_seg_pad_val)
            if 'gt_superpixel' in data_sample:
                segments = data_sample.gt_superpixel.data
                del data_sample.gt_superpixel.data
                data_sample.gt_superpixel.data = F.pad(
                    segments, padding_size, value=0)
            if data_sample.metainfo.get('pad_shape', None) is None:
                data_sample.set_metainfo(
                    dict(pad_shape=tuple(inputs.shape[-2:])))
        if self.batch_augments is not None:
            inputs, data_samples = self.batch_augments(inputs, data_samples)
        return dict(inputs=inputs, data_samples=data_samples)
