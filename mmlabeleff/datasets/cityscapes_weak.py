"""Cityscapes with a supervision and a domain per split."""
import os.path as osp
from typing import Dict, List

from mmengine import fileio
from mmseg.datasets import CityscapesDataset

from mmlabeleff.registry import DATASETS
from .base_weak_seg_dataset import BaseWeakSegDataset

__all__ = [
    'CityscapesWeakDataset', 'CITYSCAPES_LABEL_ID_TO_TRAIN_ID',
    'NUM_CITYSCAPES_LABEL_IDS'
]

#: Cityscapes ``labelIds`` -> ``trainIds`` (cityscapesScripts'
#: ``labels.py``); every other id, 0..33 (and license plate, -1), is void and
#: maps to 255.
CITYSCAPES_LABEL_ID_TO_TRAIN_ID: Dict[int, int] = {
    7: 0, 8: 1, 11: 2, 12: 3, 13: 4, 17: 5, 19: 6, 20: 7, 21: 8, 22: 9,
    23: 10, 24: 11, 25: 12, 26: 13, 27: 14, 28: 15, 31: 16, 32: 17, 33: 18
}
#: Number of Cityscapes label ids (0..33).
NUM_CITYSCAPES_LABEL_IDS = 34


@DATASETS.register_module()
class CityscapesWeakDataset(BaseWeakSegDataset):
    """Cityscapes (19 train ids) for semi-supervised and domain adaptation.

    Cordts et al., "The Cityscapes Dataset for Semantic Urban Scene
    Understanding", CVPR 2016. Classes, palette and suffixes are those of
    mmseg's :class:`~mmseg.datasets.CityscapesDataset`; labels are the
    ``*_gtFine_labelTrainIds.png`` written by mmseg's converter or by
    ``tools/dataset_converters/cityscapes.py`` (19 classes, 255 void).

    Layout under ``data_root`` (mmseg's)::

        leftImg8bit/{train,val}/<city>/<id>_leftImg8bit.png
        gtFine/{train,val}/<city>/<id>_gtFine_labelTrainIds.png

    An optional ``ann_file`` selects a subset (semi-supervised splits): one
    image per line, given as its id (``aachen_000000_000019``), as
    ``<city>/<id>`` (``tools/dataset_converters/semi_splits.py``) or as a
    path whose base name is ``<id>_leftImg8bit.png``: the base name of the
    first whitespace-separated token is used, so ``"image_path label_path"``
    lines (CPS / U2PL lists) work too. Blank lines and lines starting with
    ``#`` are skipped.

    Data infos follow ``supervision``: ``'full'`` adds ``seg_map_path``;
    ``'scribbles'`` / ``'points'`` / ``'partial'`` add ``sparse_map_path``
    (``data_prefix['sparse_map_path']``/<city>/<id> + ``sparse_map_suffix``);
    (maps that ``tools/dataset_converters/simulate_weak_labels.py`` wrote
    from ``gtFine/<split>`` keep the label's name: set
    ``sparse_map_suffix='_gtFine_labelTrainIds.png'``);
    ``'unlabeled'`` gives the image only (the unlabeled half of a
    semi-supervised split, or the target domain of UDA, which also sets
    ``domain='target'``).

    Args:
        ann_file (str): Optional split file, relative to ``data_root``.
            Defaults to '' (every image under ``data_prefix['img_path']``).
        supervision (str): ``'full'``, ``'unlabeled'`` or a sparse type.
            Defaults to ``'full'``.
        domain (str): ``'source'`` or ``'target'``. Defaults to
            ``'source'``.
        data_prefix (dict): ``img_path``, ``seg_map_path`` and optionally
            ``sparse_map_path``.
        sparse_map_suffix (str): Defaults to '.png'.
        keep_seg_map_path (bool): Add ``seg_map_path`` to weak samples too.
            Defaults to False.
        **kwargs: Passed to :class:`~mmlabeleff.datasets.BaseWeakSegDataset`
            (and on to :class:`mmseg.datasets.BaseSegDataset`).
    """
    METAINFO = CityscapesDataset.METAINFO
    SUPPORTED_SUPERVISION = ('full', 'scribbles', 'points', 'partial',
                             'unlabeled')
    SEG_MAP_NAME = 'Cityscapes label map'
    CONVERTER = ('tools/dataset_converters/cityscapes.py, as '
                 '*_gtFine_labelTrainIds.png')

    def __init__(self,
                 data_prefix: dict = dict(
                     img_path='leftImg8bit/train', seg_map_path='gtFine/train'),
                 img_suffix: str = '_leftImg8bit.png',
                 seg_map_suffix: str = '_gtFine_labelTrainIds.png',
                 **kwargs) -> None:
        super().__init__(data_prefix=data_prefix, img_suffix=img_suffix,
                         seg_map_suffix=seg_map_suffix, **kwargs)

    def _scan_images(self) -> Dict[str, str]:
        """Map image id -> path relative to the image folder."""
        img_dir = self.data_prefix['img_path']
        if not fileio.isdir(img_dir, backend_args=self.backend_args):
            raise FileNotFoundError(f'{img_dir}: Cityscapes image folder not '
                                    'found')
        n = len(self.img_suffix)
        images = {}
        for rel in fileio.list_dir_or_file(
                img_dir, list_dir=False, suffix=self.img_suffix,
                recursive=True, backend_args=self.backend_args):
            images[osp.basename(rel)[:-n]] = rel
        if not images:
            raise FileNotFoundError(
                f'{img_dir}: no *{self.img_suffix} images found')
        return images

    def _read_split(self, images: Dict[str, str]) -> List[str]:
        """Image ids listed in ``self.ann_file``, checked against ``images``."""
        ann_file = self.ann_file
        ids, seen = [], set()
        for line_no, tokens in self.split_lines():
            img_id = osp.basename(tokens[0])
            for suffix in (self.img_suffix, '.png'):
                if img_id.endswith(suffix):
                    img_id = img_id[:-len(suffix)]
                    break
            if img_id not in images:
                raise ValueError(
                    f'{ann_file}:{line_no}: image {img_id!r} not found under '
                    f'{self.data_prefix["img_path"]}')
            if img_id in seen:
                raise ValueError(
                    f'{ann_file}:{line_no}: image {img_id!r} listed twice')
            seen.add(img_id)
            ids.append(img_id)
        return ids

    def load_data_list(self) -> List[dict]:
        """Scan the image folder, keep the split's images, add labels.

        Returns:
            list[dict]: One dict per image, sorted by image path unless a
            split file gives the order.

        Raises:
            FileNotFoundError: Naming a missing folder, split file or label.
            ValueError: Naming the split file and line of an unknown or
                repeated image.
        """
        images = self._scan_images()
        ids = self._read_split(images) if self.ann_file else sorted(
            images, key=images.get)
        img_dir = self.data_prefix['img_path']
        data_list = []
        for img_id in ids:
            rel = images[img_id]
            rel_stem = rel[:-len(self.img_suffix)]
            info = self.new_data_info(
                osp.join(img_dir, rel),
                osp.join(self.data_prefix.get('seg_map_path', ''),
                         rel_stem + self.seg_map_suffix))
            if self.supervision not in ('full', 'unlabeled'):
                self.add_sparse_map(
                    info,
                    osp.join(self.data_prefix['sparse_map_path'],
                             rel_stem + self.sparse_map_suffix))
            data_list.append(info)
        return data_list
