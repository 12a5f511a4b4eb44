"""Pseudo-labelers of mmlabeleff: scores -> masks (registered in TASK_UTILS)."""
from .dense_crf_refiner import DenseCRFRefiner

__all__ = ['DenseCRFRefiner']
