"""Segmentors of mmlabeleff."""
from .blpseg import BLPSeg
from .refined_encoder_decoder import RefinedEncoderDecoder

__all__ = ['BLPSeg', 'RefinedEncoderDecoder']
