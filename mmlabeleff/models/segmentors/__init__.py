"""Segmentors of mmlabeleff."""
from .blpseg import BLPSeg
from .cam_classifier import CAMClassifier
from .irnet import IRNet
from .refined_encoder_decoder import RefinedEncoderDecoder
from .spml import SPML

__all__ = ['IRNet', 'CAMClassifier', 'BLPSeg', 'RefinedEncoderDecoder', 'SPML']
