"""Data preprocessors of mmlabeleff."""
from .weak_seg_data_preprocessor import WeakSegDataPreProcessor

__all__ = ['WeakSegDataPreProcessor']
