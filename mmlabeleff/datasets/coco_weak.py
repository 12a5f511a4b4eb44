"""MS-COCO instances as an 81-class weakly supervised segmentation dataset."""
import os.path as osp
from typing import Dict, List, Sequence, Tuple

import numpy as np

from mmlabeleff.registry import DATASETS
from mmlabeleff.structures.label_convention import SPARSE_SUPERVISION_TYPES
from .base_weak_seg_dataset import BaseWeakSegDataset, read_json

__all__ = [
    'COCOWeakDataset', 'COCO_THING_CLASSES', 'load_coco_instances',
    'decode_coco_mask', 'render_semantic_map'
]

#: The 80 COCO thing categories, in increasing COCO category-id order
#: (ids 1..90 with gaps); class ``i + 1`` of :class:`COCOWeakDataset` is
#: ``COCO_THING_CLASSES[i]``.
COCO_THING_CLASSES = (
    'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train',
    'truck', 'boat', 'traffic light', 'fire hydrant', 'stop sign',
    'parking meter', 'bench', 'bird', 'cat', 'dog', 'horse', 'sheep', 'cow',
    'elephant', 'bear', 'zebra', 'giraffe', 'backpack', 'umbrella', 'handbag',
    'tie', 'suitcase', 'frisbee', 'skis', 'snowboard', 'sports ball', 'kite',
    'baseball bat', 'baseball glove', 'skateboard', 'surfboard',
    'tennis racket', 'bottle', 'wine glass', 'cup', 'fork', 'knife', 'spoon',
    'bowl', 'banana', 'apple', 'sandwich', 'orange', 'broccoli', 'carrot',
    'hot dog', 'pizza', 'donut', 'cake', 'chair', 'couch', 'potted plant',
    'bed', 'dining table', 'toilet', 'tv', 'laptop', 'mouse', 'remote',
    'keyboard', 'cell phone', 'microwave', 'oven', 'toaster', 'sink',
    'refrigerator', 'book', 'clock', 'vase', 'scissors', 'teddy bear',
    'hair drier', 'toothbrush')

_CONVERTER = 'tools/dataset_converters/coco_weak.py'


def _bit_colormap(num: int) -> List[List[int]]:
    """The PASCAL VOC colour map (bit-interleaved), black for class 0."""
    palette = []
    for i in range(num):
        r = g = b = 0
        c = i
        for j in range(8):
            r |= ((c >> 0) & 1) << (7 - j)
            g |= ((c >> 1) & 1) << (7 - j)
            b |= ((c >> 2) & 1) << (7 - j)
            c >>= 3
        palette.append([r, g, b])
    return palette


def _check(cond: bool, ann_file: str, msg: str) -> None:
    if not cond:
        raise ValueError(f'{ann_file}: {msg}')


def load_coco_instances(
        ann_file: str,
        classes: Sequence[str] = COCO_THING_CLASSES,
        backend_args=None) -> Tuple[List[dict], Dict[int, int]]:
    """Parse a COCO ``instances_*.json`` into per-image instance lists.

    Category ids are mapped to contiguous labels ``1..len(classes)`` in
    increasing category-id order (0 is background); the names of the sorted
    categories must equal ``classes``. Boxes go from COCO ``[x, y, w, h]`` to
    ``[x, y, x + w, y + h]`` (float pixels, no clipping); ``iscrowd``
    annotations get ``ignore_flag=1``. As in mmdet's ``CocoDataset``,
    annotations with ``w < 1``, ``h < 1`` or ``area <= 0`` are skipped.

    Args:
        ann_file (str): Path of the JSON file.
        classes (Sequence[str]): Expected category names, in id order.
        backend_args (dict, optional): mmengine file backend arguments.

    Returns:
        tuple[list[dict], dict]: One record per image, in the file's order,
        with ``file_name``, ``height``, ``width``, ``image_id`` and
        ``instances`` (mmdet-style dicts with ``bbox``, ``bbox_label``,
        ``ignore_flag`` and, when the annotation has one, ``mask``: its
        polygons or RLE unchanged); and the category-id -> label map.

    Raises:
        FileNotFoundError: If ``ann_file`` does not exist.
        ValueError: Naming ``ann_file`` for malformed JSON, missing fields,
            unexpected categories, or annotations whose category or image
            is unknown.
    """
    data = read_json(ann_file, 'COCO annotation file', backend_args)
    _check(isinstance(data, dict), ann_file, 'top level is not an object')
    for key in ('images', 'annotations', 'categories'):
        _check(isinstance(data.get(key), list), ann_file,
                 f'no "{key}" list (is this a COCO instances file?)')

    cats = data['categories']
    for cat in cats:
        _check(isinstance(cat, dict) and 'id' in cat and 'name' in cat,
                 ann_file, f'category without "id"/"name": {cat!r}')
    cats = sorted(cats, key=lambda c: c['id'])
    cat_ids = [c['id'] for c in cats]
    _check(len(set(cat_ids)) == len(cat_ids), ann_file,
             'duplicate category ids')
    names = tuple(c['name'] for c in cats)
    if names != tuple(classes):
        extra = [n for n in names if n not in classes]
        missing = [n for n in classes if n not in names]
        raise ValueError(
            f'{ann_file}: categories (sorted by id) do not match the '
            f'{len(classes)} expected classes; unexpected {extra}, missing '
            f'{missing}' + ('' if extra or missing else ', order differs'))
    cat2label = {cid: i + 1 for i, cid in enumerate(cat_ids)}

    records, by_id = [], {}
    for img in data['images']:
        _check(
            isinstance(img, dict)
            and all(k in img for k in ('id', 'file_name', 'height', 'width')),
            ann_file, f'image entry without id/file_name/height/width: {img!r}')
        _check(img['id'] not in by_id, ann_file,
                 f'image id {img["id"]} listed twice')
        record = dict(file_name=img['file_name'], height=int(img['height']),
                      width=int(img['width']), image_id=img['id'],
                      instances=[])
        by_id[img['id']] = record
        records.append(record)

    for ann in data['annotations']:
        _check(
            isinstance(ann, dict)
            and all(k in ann for k in ('image_id', 'category_id', 'bbox')),
            ann_file, 'annotation without image_id/category_id/bbox: '
            f'{str(ann)[:200]}')
        ann_id = ann.get('id', '?')
        if ann['category_id'] not in cat2label:
            raise ValueError(f'{ann_file}: annotation {ann_id} has unknown '
                             f'category_id {ann["category_id"]}')
        if ann['image_id'] not in by_id:
            raise ValueError(f'{ann_file}: annotation {ann_id} refers to '
                             f'unknown image_id {ann["image_id"]}')
        bbox = ann['bbox']
        _check(
            isinstance(bbox, (list, tuple)) and len(bbox) == 4, ann_file,
            f'annotation {ann_id}: bbox {bbox!r} is not [x, y, w, h]')
        x, y, w, h = (float(v) for v in bbox)
        if w < 1 or h < 1 or ann.get('area', w * h) <= 0:
            continue
        instance = dict(bbox=[x, y, x + w, y + h],
                        bbox_label=cat2label[ann['category_id']],
                        ignore_flag=int(bool(ann.get('iscrowd', 0))))
        if ann.get('segmentation'):
            instance['mask'] = ann['segmentation']
        by_id[ann['image_id']]['instances'].append(instance)
    return records, cat2label


def decode_coco_mask(segm, height: int, width: int) -> np.ndarray:
    """Decode COCO polygons, uncompressed RLE or compressed RLE.

    Args:
        segm (list | dict): The ``segmentation`` of a COCO annotation.
        height (int): Image height.
        width (int): Image width.

    Returns:
        np.ndarray: ``(height, width)`` bool mask.

    Raises:
        ValueError: If ``segm`` is neither polygons nor RLE, or its size
            does not match the image.
    """
    from pycocotools import mask as mask_utils
    if isinstance(segm, list):
        polys = [p for p in segm if len(p) >= 6]
        if not polys:
            return np.zeros((height, width), dtype=bool)
        rle = mask_utils.merge(mask_utils.frPyObjects(polys, height, width))
    elif isinstance(segm, dict) and 'counts' in segm and 'size' in segm:
        if list(segm['size']) != [height, width]:
            raise ValueError(f'RLE size {segm["size"]} differs from the '
                             f'image size {[height, width]}')
        rle = segm
        if isinstance(segm['counts'], list):
            rle = mask_utils.frPyObjects(segm, height, width)
    else:
        raise ValueError(f'segmentation is neither polygons nor RLE: '
                         f'{str(segm)[:100]}')
    return mask_utils.decode(rle).astype(bool)


def render_semantic_map(instances: Sequence[dict], height: int, width: int,
                        ignore_index: int = 255) -> np.ndarray:
    """Render the semantic map of one image from its instance masks.

    Crowd regions (``ignore_flag=1``) are painted ``ignore_index`` first;
    then the other instances, largest mask first, so that smaller objects
    stay visible on top of larger ones, and labelled instances win over the
    crowd regions they overlap. Pixels no mask covers are background (0).
    Instances without a ``mask`` are skipped.

    Returns:
        np.ndarray: ``(height, width)`` uint8 map.
    """
    seg = np.zeros((height, width), dtype=np.uint8)
    things = []
    for inst in instances:
        if inst.get('mask') is None:
            continue
        mask = decode_coco_mask(inst['mask'], height, width)
        if inst.get('ignore_flag', 0):
            seg[mask] = ignore_index
        else:
            things.append((int(mask.sum()), inst['bbox_label'], mask))
    # stable sort: equal areas keep the annotation order
    for _, label, mask in sorted(things, key=lambda t: -t[0]):
        seg[mask] = label
    return seg


@DATASETS.register_module()
class COCOWeakDataset(BaseWeakSegDataset):
    """MS-COCO 2014 / 2017 instances for weakly supervised segmentation.

    Lin et al., "Microsoft COCO: Common objects in context", ECCV 2014 (the
    annotations are CC BY 4.0). The usual WSSS COCO setting (e.g. Lee et
    al.'s RIB and Xu et al.'s MCTformer): 80 thing classes plus background,
    semantic masks rendered from the instance masks, train2014 (82,081
    images with at least one object) for training and val2014 (40,137) for
    evaluation.

    Classes: 0 is background; COCO category ids (1..90 with gaps) map to
    contiguous labels 1..80 in increasing category-id order, i.e. label
    ``i + 1`` is :data:`COCO_THING_CLASSES` ``[i]`` (person = 1, bicycle = 2,
    ..., toothbrush = 80). The file's categories must be exactly these.

    Layout under ``data_root``::

        annotations/instances_{train,val}{2014,2017}.json
        {train,val}{2014,2017}/*.jpg
        semantic/{train,val}{2014,2017}/*.png   # rendered by the converter

    The semantic PNGs (``data_prefix['seg_map_path']``, one per image, named
    after the image stem) are written by ``tools/dataset_converters/
    coco_weak.py``: 0 background, 1..80 classes, 255 crowd regions.

    What a data info carries depends on ``supervision`` (only what that
    supervision may see):

    - ``'full'``: ``seg_map_path``, ``image_labels``, ``instances`` (boxes
      and masks);
    - ``'boxes'``: ``image_labels``, ``instances`` without ``mask``;
    - ``'tags'``: ``image_labels`` (the thing classes annotated in the
      image, crowd annotations included; background 0 is never listed);
    - ``'scribbles'`` / ``'points'`` / ``'partial'``: ``sparse_map_path``
      (``data_prefix['sparse_map_path']``/stem + ``sparse_map_suffix``);
    - ``'unlabeled'``: the image only.

    Args:
        ann_file (str): The COCO instances JSON, relative to ``data_root``.
        supervision (str): See above. Defaults to ``'tags'``.
        domain (str): ``'source'`` or ``'target'``. Defaults to
            ``'source'``.
        filter_empty (bool): Drop images with no (non-degenerate)
            annotation, crowd included, i.e. with no tag. Defaults to False.
        data_prefix (dict): ``img_path`` (image folder), optionally
            ``seg_map_path`` and ``sparse_map_path``.
        sparse_map_suffix (str): Suffix of sparse maps. Defaults to '.png'.
        keep_seg_map_path (bool): Add ``seg_map_path`` to weak samples too.
            Defaults to False.
        **kwargs: Passed to :class:`~mmlabeleff.datasets.BaseWeakSegDataset`
            (and on to :class:`mmseg.datasets.BaseSegDataset`).

    Raises:
        FileNotFoundError / ValueError: Naming the file, for a missing or
        malformed annotation file, an unknown category, or a missing image
        or label map.
    """
    METAINFO = dict(classes=('background', ) + COCO_THING_CLASSES,
                    palette=_bit_colormap(81))
    SEG_MAP_NAME = 'COCO semantic map'
    CONVERTER = _CONVERTER

    def __init__(self,
                 ann_file: str = 'annotations/instances_train2014.json',
                 supervision: str = 'tags',
                 domain: str = 'source',
                 filter_empty: bool = False,
                 data_prefix: dict = dict(img_path='train2014'),
                 sparse_map_suffix: str = '.png',
                 **kwargs) -> None:
        self.filter_empty = filter_empty
        kwargs.setdefault('img_suffix', '.jpg')
        kwargs.setdefault('seg_map_suffix', '.png')
        super().__init__(
            ann_file=ann_file,
            supervision=supervision,
            domain=domain,
            data_prefix=data_prefix,
            sparse_map_suffix=sparse_map_suffix,
            **kwargs)

    def load_data_list(self) -> List[dict]:
        """Parse the JSON into data infos (see the class docstring).

        Returns:
            list[dict]: One dict per image.
        """
        records, _ = load_coco_instances(
            self.ann_file, classes=COCO_THING_CLASSES,
            backend_args=self.backend_args)
        img_dir = self.data_prefix['img_path']
        seg_dir = self.data_prefix.get('seg_map_path', '')
        sup = self.supervision
        data_list = []
        for rec in records:
            instances = rec['instances']
            tags = sorted({inst['bbox_label'] for inst in instances})
            if self.filter_empty and not tags:
                continue
            stem = osp.splitext(rec['file_name'])[0]
            img_path = osp.join(img_dir, rec['file_name'])
            self.require(img_path, f'image of {self.ann_file}')
            info = self.new_data_info(
                img_path,
                osp.join(seg_dir, stem + self.seg_map_suffix)
                if seg_dir else None)
            if sup in SPARSE_SUPERVISION_TYPES:
                self.add_sparse_map(
                    info,
                    osp.join(self.data_prefix['sparse_map_path'],
                             stem + self.sparse_map_suffix))
            if sup in ('full', 'boxes', 'tags'):
                info['image_labels'] = tags
            if sup == 'full':
                info['instances'] = instances
            elif sup == 'boxes':
                info['instances'] = [{
                    k: v
                    for k, v in inst.items() if k != 'mask'
                } for inst in instances]
            data_list.append(info)
        return data_list
