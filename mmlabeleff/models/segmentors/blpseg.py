"""The BLPSeg segmentor: an encoder-decoder whose head also sees the image.

Wang et al., "BLPSeg: Balance the Label Preference in Scribble-Supervised
Semantic Segmentation", IEEE TIP 2023. The Local Aggregation Module of
:class:`~mmlabeleff.models.decode_heads.BLPSegHead` computes its affinities
from the input image, which mmseg's ``EncoderDecoder`` does not pass to its
head; this segmentor appends it to the features. Everything else (whole and
slide inference, test-time augmentation, the optional test-time refiner of
:class:`RefinedEncoderDecoder`) is unchanged.
"""
from typing import List

from torch import Tensor

from mmlabeleff.registry import MODELS
from .refined_encoder_decoder import RefinedEncoderDecoder

__all__ = ['BLPSeg']


@MODELS.register_module()
class BLPSeg(RefinedEncoderDecoder):
    """Encoder-decoder that passes ``[*backbone_features, image]`` to its heads.

    Heads that select stages with ``in_index`` (mmseg's, e.g. an auxiliary
    FCN head) ignore the appended image; :class:`BLPSegHead` reads it. With
    slide inference each crop's own image is passed.

    Args:
        **kwargs: Those of :class:`RefinedEncoderDecoder` (mmseg's
            ``EncoderDecoder`` plus ``test_cfg.refiner``).
    """

    def extract_feat(self, inputs: Tensor) -> List[Tensor]:
        """Backbone (and neck) features followed by the input image.

        Args:
            inputs (Tensor): (N, C, H, W) preprocessed images.

        Returns:
            list[Tensor]: The features, then ``inputs``.
        """
        return [*super().extract_feat(inputs), inputs]
