"""EncoderDecoder with an optional test-time refinement of its scores.

The refinement step is the classic dense-CRF post-processing of DeepLab
(Chen et al., "Semantic Image Segmentation with Deep Convolutional Nets and
Fully Connected CRFs", ICLR 2015), done with a refiner from ``TASK_UTILS``
such as :class:`~mmlabeleff.models.pseudo_labelers.DenseCRFRefiner`. The
inference and post-processing around it are mmseg's ``EncoderDecoder``
(Apache-2.0), which this class extends without copying.
"""
from typing import List

import torch
from mmseg.models.segmentors import EncoderDecoder
from torch import Tensor

from mmlabeleff.registry import MODELS, TASK_UTILS

__all__ = ['RefinedEncoderDecoder']


@MODELS.register_module()
class RefinedEncoderDecoder(EncoderDecoder):
    """mmseg's ``EncoderDecoder`` with an optional refiner at test time.

    The refiner is configured in ``test_cfg.refiner`` and built from
    ``TASK_UTILS``; it is called as ``refiner(seg_logits, images)`` with
    (1, C, h, w) logits and (1, 3, h, w) uint8 images and returns (1, C, h, w)
    probabilities. Without ``refiner`` the model behaves exactly like
    ``EncoderDecoder``. Training and ``mode='tensor'`` are never refined.

    In :meth:`inference`, after mmseg's (whole or slide) the images are
    recovered from the preprocessed ``inputs`` (:meth:`recover_images`), the
    padding added by the data preprocessor is cut off each image (its
    ``padding_size`` / ``img_padding_size`` meta, as in
    ``postprocess_result``), the refiner runs on the rest at the network
    input resolution, and ``log(clamp(refined, 1e-8))`` replaces the logits
    there (the padding gets the log-softmax of the logits). So
    ``postprocess_result`` (padding removal, flip, resize to ``ori_shape``,
    argmax) is unchanged and ``seg_logits`` of the results are refined
    log-probabilities; ``SegTTAModel`` refines each view, then averages the
    softmax of the views as usual.

    Args:
        **kwargs: Those of mmseg's ``EncoderDecoder``; its ``test_cfg`` may
            also hold a ``refiner`` config, e.g. ``dict(mode='whole',
            refiner=dict(type='DenseCRFRefiner', preset='pydensecrf',
            bilateral_sxy=40))``.

    Note:
        :meth:`recover_images` inverts an mmseg ``SegDataPreProcessor``
        (mean/std normalisation and channel swap), the data preprocessor of
        mmseg and mmlabeleff models.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        refiner_cfg = (self.test_cfg or {}).get('refiner', None)
        self.refiner = None
        if refiner_cfg is not None:
            if self.out_channels == 1:
                raise ValueError('test_cfg.refiner needs a decode head with '
                                 'one output channel per class, but this one '
                                 'has out_channels=1 (sigmoid)')
            self.refiner = TASK_UTILS.build(refiner_cfg)

    @property
    def with_refiner(self) -> bool:
        """Whether predictions are refined at test time."""
        return self.refiner is not None

    def inference(self, inputs: Tensor, batch_img_metas: List[dict]) -> Tensor:
        """``EncoderDecoder.inference`` (whole or slide), then :meth:`refine`.

        Args:
            inputs (Tensor): Preprocessed inputs with shape (N, C, H, W).
            batch_img_metas (list[dict]): Meta of each image.

        Returns:
            Tensor: (N, C, H, W) logits, or refined log-probabilities with a
            refiner.
        """
        seg_logits = super().inference(inputs, batch_img_metas)
        if not self.with_refiner:
            return seg_logits
        return self.refine(seg_logits, inputs, batch_img_metas)

    def refine(self, seg_logits: Tensor, inputs: Tensor,
               batch_img_metas: List[dict]) -> Tensor:
        """Refine a batch of logits image by image, without the padding.

        Args:
            seg_logits (Tensor): (N, C, H, W) logits at the input size.
            inputs (Tensor): (N, 3, H, W) preprocessed inputs.
            batch_img_metas (list[dict]): Meta of each image; the
                ``img_padding_size`` or ``padding_size`` (left, right, top,
                bottom) is cut off as in ``postprocess_result``.

        Returns:
            Tensor: (N, C, H, W) log-probabilities, refined inside each
            image and the log-softmax of ``seg_logits`` in the padding.
        """
        if seg_logits.shape[2:] != inputs.shape[2:]:
            raise ValueError(f'seg_logits of size {tuple(seg_logits.shape[2:])} '
                             'do not match the inputs of size '
                             f'{tuple(inputs.shape[2:])}')
        images = self.recover_images(inputs)
        _, _, height, width = seg_logits.shape
        out = torch.log_softmax(seg_logits.float(), dim=1)
        for i, img_meta in enumerate(batch_img_metas):
            if 'img_padding_size' in img_meta:
                padding_size = img_meta['img_padding_size']
            else:
                padding_size = img_meta.get('padding_size', [0] * 4)
            left, right, top, bottom = (int(p) for p in padding_size)
            rows = slice(top, height - bottom)
            cols = slice(left, width - right)
            refined = self.refiner(seg_logits[i:i + 1, :, rows, cols],
                                   images[i:i + 1, :, rows, cols])
            out[i, :, rows, cols] = torch.log(
                refined[0].to(out).clamp(min=1e-8))
        return out.to(seg_logits.dtype)

    def recover_images(self, inputs: Tensor) -> Tensor:
        """Invert the data preprocessor: the uint8 images it was given.

        Undoes the mean/std normalisation and the ``bgr_to_rgb`` /
        ``rgb_to_bgr`` channel swap of an mmseg ``SegDataPreProcessor``, so
        the images come back in the channel order of the data pipeline
        (BGR for ``LoadImageFromFile``; the CRF's colour kernel does not
        depend on the order). The padding of the batch is kept (its value is
        the inverse of ``pad_val``).

        Args:
            inputs (Tensor): (N, 3, H, W) preprocessed inputs.

        Returns:
            Tensor: (N, 3, H, W) uint8 images (rounded, clipped to 0..255).
        """
        if inputs.dim() != 4 or inputs.shape[1] != 3:
            raise ValueError('recover_images expects (N, 3, H, W) colour '
                             f'inputs, got shape {tuple(inputs.shape)}')
        preprocessor = self.data_preprocessor
        images = inputs.float()
        if getattr(preprocessor, '_enable_normalize', False):
            images = images * preprocessor.std.to(images) \
                + preprocessor.mean.to(images)
        if getattr(preprocessor, 'channel_conversion', False):
            images = images[:, [2, 1, 0]]
        return images.round().clamp(0, 255).to(torch.uint8)
