"""Point labels from object masks: one interior point per object.

One point per object, placed in its interior: per instance of an instance
mask (VOC's ``SegmentationObject/<id>.png``; the class is the majority class
of the instance in the class mask) where one exists, else per 8-connected
component of each class of the class mask (``SegmentationClassAug``; SBD has
no instance PNGs); background gets one point per connected component too
(unless ``background=False``). Components smaller than ``min_area`` pixels
get no point, except the largest component of a class, so that every class
of the image keeps a point. The point is the pixel farthest from the
region's border (largest exact Euclidean distance transform, the image
border counting as border; among ties, e.g. along the ridge of an elongated
object, the one nearest the region's centroid, then the first in raster
order), which mimics a click "in the middle" of the object (cf. Bearman et
al., "What's the point", ECCV 2016, whose annotators clicked anywhere on the
object). A dilated point is clipped to its region.

``tools/dataset_converters/voc_points.py masks`` is the command line of
:func:`convert_voc_mask_points`. Written for mmlabeleff; no code was copied.
"""
import json
import os.path as osp

import cv2
import numpy as np

from mmlabeleff.utils.atomic_io import save_png_atomic, write_text_atomic
from mmlabeleff.utils.label_remap import read_id_list, read_label_ids
from .label_convention import IGNORE_INDEX, UNLABELED_INDEX
from .weak_label_files import (
    point_record,
    points_file_name,
    points_name,
    sparse_map_file,
)

__all__ = [
    'VOC_NUM_CLASSES', 'interior_point', 'object_regions', 'points_from_masks',
    'convert_voc_mask_points'
]

#: VOC's classes (background + 20).
VOC_NUM_CLASSES = 21


def _read_ids(path):
    """A palette or grayscale PNG of ids; errors name it."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: mask not found')
    return read_label_ids(path)


def interior_point(region):
    """The pixel of ``region`` farthest from its border.

    Ties (the ridge of an elongated region) go to the pixel nearest the
    region's centroid, then to the first in raster order.

    Args:
        region (np.ndarray): Boolean ``(H, W)`` mask, not empty.

    Returns:
        tuple[int, int]: ``(row, col)``.
    """
    padded = np.pad(region.astype(np.uint8), 1)
    dist = cv2.distanceTransform(padded, cv2.DIST_L2,
                                 cv2.DIST_MASK_PRECISE)[1:-1, 1:-1]
    candidates = np.argwhere(dist >= dist.max() - 1e-4)  # raster order
    centroid = np.argwhere(region).mean(axis=0)
    nearest = np.argmin(((candidates - centroid)**2).sum(axis=1))
    row, col = candidates[nearest]
    return int(row), int(col)


def _components(mask, min_area):
    """8-connected components of ``mask`` worth a point."""
    count, comp = cv2.connectedComponents(mask.astype(np.uint8),
                                          connectivity=8)
    regions = [comp == k for k in range(1, count)]
    if not regions:
        return []
    keep = [r for r in regions if r.sum() >= min_area]
    return keep or [max(regions, key=lambda r: r.sum())]


def object_regions(cls_mask, inst_mask=None, min_area=25, background=True):
    """The regions that receive one point each.

    Args:
        cls_mask (np.ndarray): Class ids (255 void).
        inst_mask (np.ndarray, optional): Instance ids (0 background, 255
            void), VOC's ``SegmentationObject``.
        min_area (int): Smallest connected component with a point.
        background (bool): Give background components points.

    Returns:
        list[tuple[int, np.ndarray]]: ``(label, region)``, background first.
    """
    regions, done = [], set()
    if inst_mask is not None:
        for iid in np.unique(inst_mask):
            if iid in (0, IGNORE_INDEX):
                continue
            region = inst_mask == iid
            labels = cls_mask[region]
            labels = labels[(labels > 0) & (labels < VOC_NUM_CLASSES)]
            if not labels.size:
                continue
            label = int(np.bincount(labels).argmax())
            regions.append((label, region))
            done.add(label)
    for label in np.unique(cls_mask):
        label = int(label)
        if label >= VOC_NUM_CLASSES or label in done:
            continue
        if label == 0 and not background:
            continue
        regions += [(label, r) for r in _components(cls_mask == label,
                                                    min_area)]
    regions.sort(key=lambda item: item[0] != 0)  # stable: background first
    return regions


def points_from_masks(cls_mask, inst_mask=None, min_area=25, background=True,
                      dilation=1):
    """Rasterise one interior point per region.

    Args:
        cls_mask (np.ndarray): Class ids (255 void).
        inst_mask (np.ndarray, optional): Instance ids, see
            :func:`object_regions`.
        min_area (int): See :func:`object_regions`.
        background (bool): See :func:`object_regions`.
        dilation (int): Point diameter in pixels (1: one pixel); a dilated
            point is clipped to its region.

    Returns:
        tuple: ``(label_map, points)``: uint8 ``(H, W)`` map and the
        :func:`~mmlabeleff.structures.weak_label_files.point_record` of each
        point.
    """
    label_map = np.full(cls_mask.shape, UNLABELED_INDEX, dtype=np.uint8)
    kernel = (
        cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (dilation, dilation))
        if dilation > 1 else None)
    points = []
    for label, region in object_regions(cls_mask, inst_mask, min_area,
                                        background):
        row, col = interior_point(region)
        spot = np.zeros(cls_mask.shape, dtype=np.uint8)
        spot[row, col] = 1
        if kernel is not None:
            spot = cv2.dilate(spot, kernel)
        label_map[(spot > 0) & region] = label
        points.append(point_record(col, row, label))
    return label_map, points


def convert_voc_mask_points(voc_root,
                            split='ImageSets/Segmentation/trainaug.txt',
                            seg_dir='SegmentationClassAug',
                            inst_dir='SegmentationObject', out_dir=None,
                            dilation=1, min_area=25, background=True):
    """Write mask-derived points for every id of a split.

    Args:
        voc_root (str): The ``VOC2012`` folder; the other paths are
            relative to it unless absolute.
        split (str): Split file of ids.
        seg_dir (str): Class masks.
        inst_dir (str): Instance masks (used where present).
        out_dir (str, optional): Defaults to ``<voc_root>/ScribbleSup``.
        dilation (int): Point diameter in pixels.
        min_area (int): See :func:`object_regions`.
        background (bool): See :func:`object_regions`.

    Returns:
        dict: ``images``, ``points``, ``with_instances`` and ``outputs``:
        the folder ``points_name(source='masks', ...)`` (``points_mask``,
        ``points_mask_d<d>``) and its points JSON (sorted ids).

    Raises:
        FileNotFoundError: If the split file or a class mask is missing.
        ValueError: For an empty split file or a bad mask (named).
    """
    def under(path):
        return path if osp.isabs(path) else osp.join(voc_root, path)

    if dilation < 1:
        raise ValueError(f'dilation must be >= 1, got {dilation}')
    ids = read_id_list(under(split))
    out_dir = out_dir or osp.join(voc_root, 'ScribbleSup')
    name = points_name(source='masks',
                       dilation=dilation if dilation > 1 else 0)
    table, with_inst = {}, 0
    for img_id in ids:
        cls_path = osp.join(under(seg_dir), img_id + '.png')
        cls_mask = _read_ids(cls_path)
        inst_path = osp.join(under(inst_dir), img_id + '.png')
        inst_mask = None
        if inst_dir and osp.isfile(inst_path):
            inst_mask = _read_ids(inst_path)
            if inst_mask.shape != cls_mask.shape:
                raise ValueError(f'{inst_path}: size {inst_mask.shape} '
                                 f'differs from {cls_path} {cls_mask.shape}')
            with_inst += 1
        label_map, points = points_from_masks(cls_mask, inst_mask, min_area,
                                              background, dilation)
        save_png_atomic(sparse_map_file(out_dir, name, img_id), label_map)
        table[img_id] = points
    json_path = osp.join(out_dir, points_file_name(name))
    write_text_atomic(json_path, json.dumps(table, sort_keys=True) + '\n')
    return dict(images=len(ids), points=sum(len(p) for p in table.values()),
                with_instances=with_inst,
                outputs=[osp.join(out_dir, name), json_path])
