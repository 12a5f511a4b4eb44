"""Segmentors of mmlabeleff."""
from .blpseg import BLPSeg
from .cam_classifier import CAMClassifier
from .cps import CPS
from .irnet import IRNet
from .refined_encoder_decoder import RefinedEncoderDecoder
from .semi_base_segmentor import SemiBaseSegmentor
from .spml import SPML
from .unimatch import UniMatch

__all__ = ['IRNet', 'CAMClassifier', 'BLPSeg', 'RefinedEncoderDecoder', 'SPML',
    'SemiBaseSegmentor', 'UniMatch', 'CPS'
]
