"""Datasets of mmlabeleff."""
from .camvid import CamVidDataset
from .cityscapes_weak import CityscapesWeakDataset
from .coco_weak import COCOWeakDataset
from .gta5 import GTA5Dataset
from .pascal_context60_scribble import PascalContext60ScribbleDataset
from .pascal_context_scribble import PascalContextScribbleDataset
from .synthia import SYNTHIADataset
from .texture_scenes import TextureScenesDataset
from .voc_weak import VOCWeakDataset
from . import transforms  # noqa: F401

__all__ = [
    'CamVidDataset', 'TextureScenesDataset', 'VOCWeakDataset',
    'PascalContextScribbleDataset', 'PascalContext60ScribbleDataset',
    'COCOWeakDataset', 'CityscapesWeakDataset', 'GTA5Dataset', 'SYNTHIADataset'
]
