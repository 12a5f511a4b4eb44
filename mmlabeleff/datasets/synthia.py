"""SYNTHIA-RAND-CITYSCAPES, a synthetic source domain for Cityscapes."""
from typing import Dict

from mmseg.datasets import CityscapesDataset

from mmlabeleff.registry import DATASETS
from .base_weak_seg_dataset import BaseWeakSegDataset

#: SYNTHIA class id (first channel of ``GT/LABELS/*.png``) -> Cityscapes
#: train id, the 16 shared classes as in DAFormer / ProDA: road, sidewalk,
#: building, wall, fence, pole, traffic light, traffic sign, vegetation, sky,
#: person, rider, car, bus, motorcycle, bicycle. Everything else (void 0,
#: parking-slot 13, road-work 14, terrain 16, truck 18, train 20,
#: lanemarking 22) is 255, so Cityscapes' terrain (9), truck (14) and train
#: (16) never occur in SYNTHIA labels.
SYNTHIA_ID_TO_TRAIN_ID: Dict[int, int] = {
    3: 0, 4: 1, 2: 2, 21: 3, 5: 4, 7: 5, 15: 6, 9: 7, 6: 8, 1: 10, 10: 11,
    17: 12, 8: 13, 19: 15, 12: 17, 11: 18
}
#: Train ids over which SYNTHIA -> Cityscapes mIoU is reported (16 classes).
SYNTHIA_16_TRAIN_IDS = (0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 15, 17, 18)
#: The 13-class protocol drops wall (3), fence (4) and pole (5).
SYNTHIA_13_TRAIN_IDS = (0, 1, 2, 6, 7, 8, 10, 11, 12, 13, 15, 17, 18)


@DATASETS.register_module()
class SYNTHIADataset(BaseWeakSegDataset):
    """SYNTHIA-RAND-CITYSCAPES as the labelled source domain of UDA.

    Ros et al., "The SYNTHIA Dataset: A Large Collection of Synthetic Images
    for Semantic Segmentation of Urban Scenes", CVPR 2016 (CC BY-NC-SA 3.0):
    9,400 frames of 1280x760.

    Layout under ``data_root``::

        RGB/0000000.png ...
        GT/LABELS/0000000.png ...                 # 16-bit, class in channel 1
        GT/LABELS/0000000_labelTrainIds.png ...   # from the converter

    The original labels are 16-bit multi-channel PNGs (class id in the first
    channel, instance id in the second) that mmseg's ``LoadAnnotations``
    cannot read (it decodes to 8 bit with Pillow), so they are converted once
    to 8-bit Cityscapes train ids with ``tools/dataset_converters/
    synthia.py`` using :data:`SYNTHIA_ID_TO_TRAIN_ID`. Labels live in the 19
    train-id space of Cityscapes (same head as the target); terrain, truck
    and train never occur, and mIoU is reported over 16 classes
    (:data:`SYNTHIA_16_TRAIN_IDS`) and 13 (:data:`SYNTHIA_13_TRAIN_IDS`),
    with :class:`~mmlabeleff.evaluation.SubsetIoUMetric` (the SYNTHIA
    dataset config sets it).

    Args:
        supervision (str): ``'full'`` or ``'unlabeled'``. Defaults to
            ``'full'``.
        domain (str): Defaults to ``'source'``.
        **kwargs: Passed to :class:`~mmlabeleff.datasets.BaseWeakSegDataset`
            (and on to :class:`mmseg.datasets.BaseSegDataset`); an
            ``ann_file`` lists image names without suffix, one per line.
    """
    METAINFO = CityscapesDataset.METAINFO
    SUPPORTED_SUPERVISION = ('full', 'unlabeled')
    SEG_MAP_NAME = 'train-id label map'
    CONVERTER = 'tools/dataset_converters/synthia.py'

    def __init__(self,
                 data_prefix: dict = dict(
                     img_path='RGB', seg_map_path='GT/LABELS'),
                 img_suffix: str = '.png',
                 seg_map_suffix: str = '_labelTrainIds.png',
                 **kwargs) -> None:
        super().__init__(data_prefix=data_prefix, img_suffix=img_suffix,
                         seg_map_suffix=seg_map_suffix, **kwargs)
