"""Datasets of mmlabeleff."""
from .camvid import CamVidDataset
from .texture_scenes import TextureScenesDataset

__all__ = ['CamVidDataset', 'TextureScenesDataset']
