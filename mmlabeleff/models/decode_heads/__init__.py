"""Decode heads of mmlabeleff."""
from .blpseg_head import BLPSegHead
from .cam_head import CAMHead
from .irn_head import IRNHead
from .spml_head import SPMLHead

__all__ = ['IRNHead', 'CAMHead', 'BLPSegHead', 'SPMLHead']
