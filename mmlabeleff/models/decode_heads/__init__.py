"""Decode heads of mmlabeleff."""
from .blpseg_head import BLPSegHead
from .cam_head import CAMHead
from .irn_head import IRNHead

__all__ = ['IRNHead', 'CAMHead', 'BLPSegHead']
