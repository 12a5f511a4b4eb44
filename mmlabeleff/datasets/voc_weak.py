"""PASCAL VOC 2012 (+ SBD) with every kind of supervision of mmlabeleff."""
import os.path as osp
import xml.etree.ElementTree as ET
from typing import List, Optional

import numpy as np
from mmengine import fileio
from mmseg.datasets import PascalVOCDataset

from mmlabeleff.registry import DATASETS
from mmlabeleff.structures.label_convention import (
    IGNORE_INDEX,
    SPARSE_SUPERVISION_TYPES,
)
from mmlabeleff.utils.label_remap import read_label_ids
from .base_weak_seg_dataset import BaseWeakSegDataset

__all__ = ['VOCWeakDataset']


@DATASETS.register_module()
class VOCWeakDataset(BaseWeakSegDataset):
    """PASCAL VOC 2012 segmentation, with the SBD augmented set, for any
    supervision: full masks, image tags, boxes, scribbles, points, partial
    masks or none.

    Everingham et al., "The PASCAL Visual Object Classes (VOC) Challenge",
    IJCV 2010; the augmented masks are those of SBD (Hariharan et al.,
    "Semantic contours from inverse detectors", ICCV 2011), converted with
    ``tools/dataset_converters/voc_aug.py`` into ``SegmentationClassAug``
    (10,582 ``trainaug`` images; 1,449 ``val``). Scribbles are ScribbleSup's
    PASCAL-Scribble (Lin et al., CVPR 2016), rasterised by
    ``tools/dataset_converters/scribblesup.py``; points come from
    ``scribblesup.py --ratios 0`` (SPML's points) or
    ``tools/dataset_converters/voc_points.py``.

    Layout under ``data_root`` (``data/VOCdevkit/VOC2012``)::

        JPEGImages/<id>.jpg
        SegmentationClass/<id>.png        VOC masks: 0..20, 255 = void
        SegmentationClassAug/<id>.png     VOC + SBD masks (voc_aug.py)
        Annotations/<id>.xml              VOC detection XML (tags, boxes)
        ImageSets/Segmentation/{train,val,trainaug}.txt   one id per line
        ScribbleSup/scribbles_r100/<id>.png   sparse maps (scribblesup.py)
        ScribbleSup/points_r000.json          exact point coordinates
        splits/<N>/{labeled,unlabeled}.txt    semi_splits.py

    Each data info carries ``img_path``, ``label_map``,
    ``reduce_zero_label``, ``seg_fields``, ``supervision`` and ``domain``,
    plus the keys that its ``supervision`` allows
    (:mod:`mmlabeleff.structures.label_convention`), and no others:

    =================  =======================================================
    supervision        extra keys
    =================  =======================================================
    ``'full'``         ``seg_map_path``: the dense mask
    ``'tags'``         ``image_labels``: sorted class ids present, from the
                       mask (``tags_from='mask'``; background 0 counts when
                       its pixels are present) or from the XML object names
                       (``tags_from='xml'``; background 0 is then always
                       added, as every VOC image has background pixels)
    ``'boxes'``        ``instances``: one dict per XML ``<object>`` with
                       ``bbox`` (float ``[x1, y1, x2, y2]``, see below),
                       ``bbox_label`` and ``ignore_flag`` (``<difficult>``)
    ``'scribbles'``    ``sparse_map_path``: PNG under
                       ``data_prefix['sparse_map_path']``
    ``'partial'``      ``sparse_map_path``
    ``'points'``       ``sparse_map_path`` and, when ``points_file`` is
                       given, ``points`` (``[{'point': [x, y],
                       'point_label': c}]``)
    ``'unlabeled'``    none
    =================  =======================================================

    Weak samples carry no ``seg_map_path`` (unless ``keep_seg_map_path``),
    so that a weakly supervised recipe cannot read the full masks by
    accident.

    Box coordinates: VOC's ``<bndbox>`` holds 1-based, inclusive pixel
    indices; they become 0-based pixel-edge coordinates (pixel ``i`` spans
    ``[i, i + 1)``, as in mmdet): ``x1 = xmin - 1``, ``y1 = ymin - 1``,
    ``x2 = xmax``, ``y2 = ymax``, clipped to the ``<size>`` of the image.
    Points (``points_file``) are ``[x, y]`` = the column and row of the
    labelled pixel, as ``LoadWeakAnnotations`` expects (it adds 0.5 to reach
    the pixel centre in the frame of the boxes).

    Sparse PNGs already hold the final class ids (0..K-1, 254 unlabeled,
    255 ignore); ``label_map`` / ``reduce_zero_label`` describe the dense
    masks of ``seg_map_path`` (and are applied to tags, boxes and points
    read here).

    Args:
        ann_file (str): Split file, one image id per line, relative to
            ``data_root``. Defaults to
            ``'ImageSets/Segmentation/train.txt'``.
        supervision (str): One of
            :data:`~mmlabeleff.structures.label_convention.SUPERVISION_TYPES`.
            Defaults to ``'full'``.
        domain (str): ``'source'`` or ``'target'``. Defaults to ``'source'``.
        tags_from (str): ``'mask'`` (the ``seg_map_path`` masks, each decoded
            once when the dataset is built) or ``'xml'`` (cheaper to read).
            Defaults to ``'mask'``.
        xml_prefix (str): Folder of the VOC XML files, relative to
            ``data_root``. Defaults to ``'Annotations'``.
        sparse_prefix (str, optional): Folder of the sparse maps, relative to
            ``data_root``: a shorthand for ``data_prefix['sparse_map_path']``
            (give one or the other); required for scribbles, points and
            partial masks.
        sparse_map_suffix (str): Defaults to ``'.png'``.
        points_file (str, optional): JSON file of exact point coordinates
            in the one points format ``{id: [{"point": [x, y],
            "point_label": c}, ...]}`` (written by the point converters),
            relative to ``data_root``.
        keep_seg_map_path (bool): Add ``seg_map_path`` to weak samples too,
            e.g. to score pseudo-labels on the training set. Defaults to
            False.
        img_suffix (str): Defaults to ``'.jpg'``.
        seg_map_suffix (str): Defaults to ``'.png'``.
        data_prefix (dict): ``img_path``, ``seg_map_path`` and, for sparse
            supervision, ``sparse_map_path``. Defaults to
            ``dict(img_path='JPEGImages', seg_map_path='SegmentationClass')``.
        **kwargs: Passed to :class:`~mmlabeleff.datasets.BaseWeakSegDataset`
            (and on to :class:`mmseg.datasets.BaseSegDataset`).

    Raises:
        FileNotFoundError: A split file, image, mask, XML, sparse map or
            points file is missing (the message names it).
        ValueError: A bad option, an empty or malformed split file, a
            malformed XML file or one naming an unknown class, or a
            malformed points file (the message names the file).
    """
    METAINFO = dict(
        classes=PascalVOCDataset.METAINFO['classes'],
        palette=PascalVOCDataset.METAINFO['palette'])
    #: Where ``'tags'`` may come from.
    TAG_SOURCES = ('mask', 'xml')

    def __init__(self,
                 ann_file: str = 'ImageSets/Segmentation/train.txt',
                 supervision: str = 'full',
                 domain: str = 'source',
                 tags_from: str = 'mask',
                 xml_prefix: str = 'Annotations',
                 sparse_prefix: Optional[str] = None,
                 sparse_map_suffix: str = '.png',
                 points_file: Optional[str] = None,
                 keep_seg_map_path: bool = False,
                 img_suffix: str = '.jpg',
                 seg_map_suffix: str = '.png',
                 data_prefix: Optional[dict] = None,
                 **kwargs) -> None:
        name = type(self).__name__
        data_prefix = dict(data_prefix or dict(
            img_path='JPEGImages', seg_map_path='SegmentationClass'))
        if sparse_prefix:
            if data_prefix.get('sparse_map_path') not in (None, sparse_prefix):
                raise ValueError(
                    f'{name}: sparse_prefix={sparse_prefix!r} and '
                    "data_prefix['sparse_map_path']="
                    f"{data_prefix['sparse_map_path']!r} disagree; give one")
            data_prefix['sparse_map_path'] = sparse_prefix
        if tags_from not in self.TAG_SOURCES:
            raise ValueError(f'{name}: tags_from must be one of '
                             f'{self.TAG_SOURCES}, got {tags_from!r}')
        if points_file and supervision != 'points':
            raise ValueError(f'{name}: points_file is only used with '
                             f"supervision='points', not {supervision!r}")
        self.tags_from = tags_from
        self.xml_prefix = xml_prefix
        self.points_file = points_file
        super().__init__(
            ann_file=ann_file,
            supervision=supervision,
            domain=domain,
            keep_seg_map_path=keep_seg_map_path,
            sparse_map_suffix=sparse_map_suffix,
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            data_prefix=data_prefix,
            **kwargs)

    # ------------------------------------------------------------------
    # label ids
    def _tags_from_mask(self, path: str) -> List[int]:
        """Class ids present in a dense mask, as mmseg would load it."""
        mask = read_label_ids(path, 'segmentation mask',
                              self.backend_args).astype(np.int64)
        if self.reduce_zero_label:  # as mmseg's LoadAnnotations, same order
            mask[mask == 0] = IGNORE_INDEX
            mask = mask - 1
            mask[mask == IGNORE_INDEX - 1] = IGNORE_INDEX
        if self.label_map:
            mapped = mask.copy()
            for old, new in self.label_map.items():
                mapped[mask == old] = new
            mask = mapped
        num_classes = len(self.metainfo['classes'])
        values = np.unique(mask)
        return [int(v) for v in values if v < num_classes]
    def _parse_xml(self, path: str) -> List[dict]:
        """Objects of a VOC XML file, with 0-based pixel-edge boxes.

        Returns:
            list[dict]: ``bbox``, ``bbox_label`` (None for a class the
            metainfo dropped) and ``ignore_flag`` of each ``<object>``.
        """
        self.require(path, 'VOC XML annotation')
        data = fileio.get(path, backend_args=self.backend_args)
        try:
            root = ET.fromstring(data)
        except ET.ParseError as e:
            raise ValueError(f'{path}: malformed XML ({e})') from e
        if root.tag != 'annotation':
            raise ValueError(f'{path}: expected an <annotation> root, got '
                             f'<{root.tag}>')
        width = height = None
        size = root.find('size')
        if size is not None:
            try:
                width = float(size.findtext('width'))
                height = float(size.findtext('height'))
            except (TypeError, ValueError):
                width = height = None
        class_ids = {c: i for i, c in enumerate(self.METAINFO['classes'])}
        objects = []
        for index, obj in enumerate(root.findall('object')):
            name = (obj.findtext('name') or '').strip()
            if not name:
                raise ValueError(f'{path}: <object> {index} has no <name>')
            if name not in class_ids:
                raise ValueError(
                    f'{path}: unknown class name {name!r} in <object> '
                    f'{index}; known: {", ".join(self.METAINFO["classes"])}')
            box = obj.find('bndbox')  # a direct child: not a <part>'s box
            try:
                xmin, ymin, xmax, ymax = (float(box.findtext(k))
                                          for k in ('xmin', 'ymin', 'xmax',
                                                    'ymax'))
            except (AttributeError, TypeError, ValueError) as e:
                raise ValueError(f'{path}: <object> {index} ({name}) has no '
                                 'valid <bndbox> xmin/ymin/xmax/ymax') from e
            if xmax < xmin or ymax < ymin:
                raise ValueError(
                    f'{path}: <object> {index} ({name}) has an empty box '
                    f'({xmin}, {ymin}, {xmax}, {ymax})')
            bbox = [xmin - 1, ymin - 1, xmax, ymax]
            if width and height:
                bbox = [
                    min(max(bbox[0], 0.0), width),
                    min(max(bbox[1], 0.0), height),
                    min(max(bbox[2], 0.0), width),
                    min(max(bbox[3], 0.0), height)
                ]
            difficult = (obj.findtext('difficult') or '0').strip()
            try:
                ignore_flag = int(float(difficult)) != 0
            except ValueError as e:
                raise ValueError(f'{path}: <object> {index} ({name}) has a '
                                 f'bad <difficult> {difficult!r}') from e
            objects.append(
                dict(
                    bbox=bbox,
                    bbox_label=self.map_label(class_ids[name]),
                    ignore_flag=int(ignore_flag)))
        return objects

    # ------------------------------------------------------------------
    def load_data_list(self) -> List[dict]:
        """Describe every image of the split for the chosen supervision.

        Returns:
            list[dict]: mmengine data infos (see the class docstring).
        """
        ids = self.read_split()
        img_dir = self.data_prefix.get('img_path', '')
        seg_dir = self.data_prefix.get('seg_map_path', '')
        xml_dir = self.under_data_root(self.xml_prefix)
        sparse_dir = self.data_prefix.get('sparse_map_path', '')
        points_path = self.under_data_root(self.points_file)
        points_table = (
            self.read_points_file(points_path, self.backend_args)
            if points_path else None)
        supervision = self.supervision
        data_list = []
        for img_id in ids:
            img_path = osp.join(img_dir, img_id + self.img_suffix)
            self.require(img_path, 'image')
            seg_map_path = osp.join(seg_dir, img_id + self.seg_map_suffix)
            info = self.new_data_info(img_path, seg_map_path)
            if supervision == 'tags':
                if self.tags_from == 'mask':
                    labels = self._tags_from_mask(seg_map_path)
                else:
                    objects = self._parse_xml(
                        osp.join(xml_dir, img_id + '.xml'))
                    labels = [self.map_label(0)]
                    labels += [o['bbox_label'] for o in objects]
                    labels = sorted({v for v in labels if v is not None})
                info['image_labels'] = labels
            elif supervision == 'boxes':
                objects = self._parse_xml(osp.join(xml_dir, img_id + '.xml'))
                info['instances'] = [
                    o for o in objects if o['bbox_label'] is not None
                ]
            elif supervision in SPARSE_SUPERVISION_TYPES:
                self.add_sparse_map(
                    info, osp.join(sparse_dir,
                                   img_id + self.sparse_map_suffix))
                if points_table is not None:
                    info['points'] = self.points_of(points_table, points_path,
                                                    img_id)
            data_list.append(info)
        return data_list
