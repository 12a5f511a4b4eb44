"""GTA5, a synthetic source domain for Cityscapes adaptation."""
from typing import Dict, Optional

from mmseg.datasets import CityscapesDataset

from mmlabeleff.registry import DATASETS
from .base_weak_seg_dataset import BaseWeakSegDataset
from .cityscapes_weak import CITYSCAPES_LABEL_ID_TO_TRAIN_ID, NUM_CITYSCAPES_LABEL_IDS

__all__ = ['GTA5Dataset']


@DATASETS.register_module()
class GTA5Dataset(BaseWeakSegDataset):
    """GTA5 (Playing for Data) as the labelled source domain of UDA.

    Richter et al., "Playing for Data: Ground Truth from Computer Games",
    ECCV 2016: 24,966 frames of 1914x1052 with Cityscapes-compatible labels
    (research use only). The usual GTA5 -> Cityscapes setting (e.g. DAFormer,
    Hoyer et al., CVPR 2022) trains on all frames in the 19 Cityscapes
    classes.

    Layout under ``data_root``::

        images/00001.png ...
        labels/00001.png ...                 # Cityscapes label ids 0..33
        labels/00001_labelTrainIds.png ...   # train ids, from the converter

    The label PNGs (palette images) hold Cityscapes *label ids*; they map to
    the 19 train ids with :data:`CITYSCAPES_LABEL_ID_TO_TRAIN_ID` (other ids
    -> 255). Two ways, chosen with ``raw_label_ids``:

    - ``False`` (default, faster): read ``*_labelTrainIds.png`` written once
      by ``tools/dataset_converters/gta5.py``;
    - ``True``: read the original ``labels/*.png`` and let
      ``LoadAnnotations`` apply the mapping through the data info's
      ``label_map`` (ids 0..33; about 34 passes over each label map per
      load, so slower).

    Data infos carry ``supervision`` (``'full'``, or ``'unlabeled'`` to drop
    the labels) and ``domain`` (``'source'``).

    Args:
        raw_label_ids (bool): See above. Defaults to False.
        supervision (str): Defaults to ``'full'``.
        domain (str): Defaults to ``'source'``.
        seg_map_suffix (str, optional): Defaults to ``'_labelTrainIds.png'``,
            or ``'.png'`` with ``raw_label_ids``.
        **kwargs: Passed to :class:`~mmlabeleff.datasets.BaseWeakSegDataset`
            (and on to :class:`mmseg.datasets.BaseSegDataset`); an
            ``ann_file`` lists image names without suffix, one per line.
    """
    METAINFO = CityscapesDataset.METAINFO
    SUPPORTED_SUPERVISION = ('full', 'unlabeled')
    SEG_MAP_NAME = 'train-id label map'
    CONVERTER = 'tools/dataset_converters/gta5.py'

    def __init__(self,
                 raw_label_ids: bool = False,
                 data_prefix: dict = dict(
                     img_path='images', seg_map_path='labels'),
                 img_suffix: str = '.png',
                 seg_map_suffix: Optional[str] = None,
                 **kwargs) -> None:
        self.raw_label_ids = raw_label_ids
        if seg_map_suffix is None:
            seg_map_suffix = '.png' if raw_label_ids else '_labelTrainIds.png'
        super().__init__(data_prefix=data_prefix, img_suffix=img_suffix,
                         seg_map_suffix=seg_map_suffix, **kwargs)

    def seg_label_map(self) -> Optional[Dict[int, int]]:
        """Label id -> train id (composed with a class subset's map)."""
        if not self.raw_label_ids:
            return self.label_map
        subset = self.label_map or {}
        label_map = {}
        for label_id in range(NUM_CITYSCAPES_LABEL_IDS):
            train_id = CITYSCAPES_LABEL_ID_TO_TRAIN_ID.get(label_id, 255)
            label_map[label_id] = subset.get(train_id, train_id)
        return label_map
