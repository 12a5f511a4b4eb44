"""Datasets of mmlabeleff."""
from . import transforms  # noqa: F401
from .base_weak_seg_dataset import BaseWeakSegDataset
from .camvid import CamVidDataset
from .cityscapes_weak import CityscapesWeakDataset
from .coco_weak import COCOWeakDataset
from .gta5 import GTA5Dataset
from .mixed_supervision_dataset import MixedSupervisionDataset
from .msrc21 import MSRC21Dataset
from .pascal_context_scribble import PascalContextScribbleDataset
from .pascal_context_scribble59 import PascalContextScribbleDataset59
from .synthia import SYNTHIADataset
from .texture_scenes import TextureScenesDataset
from .voc_weak import VOCWeakDataset

__all__ = [
    'BaseWeakSegDataset', 'CamVidDataset', 'TextureScenesDataset',
    'VOCWeakDataset', 'PascalContextScribbleDataset',
    'PascalContextScribbleDataset59', 'COCOWeakDataset',
    'CityscapesWeakDataset', 'GTA5Dataset', 'SYNTHIADataset', 'MSRC21Dataset',
    'MixedSupervisionDataset'
]
