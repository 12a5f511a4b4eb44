"""Decode heads of mmlabeleff."""
from .blpseg_head import BLPSegHead

__all__ = ['BLPSegHead']
