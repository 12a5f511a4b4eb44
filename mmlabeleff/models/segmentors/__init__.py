"""Segmentors of mmlabeleff."""
from .refined_encoder_decoder import RefinedEncoderDecoder

__all__ = ['RefinedEncoderDecoder']
