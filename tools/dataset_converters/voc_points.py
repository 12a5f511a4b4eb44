"""Point labels for PASCAL VOC, from scribbles or from object masks.

Two sources (sub-commands):

``scribbles``
    SPML's VOC points (Ke et al., ICLR 2021): the centre point (at half the
    arc length) of every ScribbleSup scribble, i.e.
    ``scribblesup.py --ratios 0`` (this sub-command calls it; SPML dilates
    the points to 6 pixels, ``--dilation 6``). Output
    ``OUT_DIR/points_r000[_d<d>]/<id>.png`` and ``points_r000[_d<d>].json``.

``masks``
    One point per object, placed in its interior: per instance of
    ``SegmentationObject/<id>.png`` where that file exists (VOC's 2,913
    segmentation images; the class is the majority class of the instance
    in the class mask), else per 8-connected component of each class of the
    class mask (``SegmentationClassAug``; SBD has no instance PNGs);
    background gets one point per connected component too (unless
    ``--no-background``). Components smaller than ``--min-area`` pixels get
    no point, except the largest component of a class, so that every class
    of the image keeps a point. The point is the pixel farthest from the
    region's border (largest exact Euclidean distance transform, the image
    border counting as border; among ties, e.g. along the ridge of an
    elongated object, the one nearest the region's centroid, then the first
    in raster order), which mimics
    a click "in the middle" of the object (cf. Bearman et al., "What's the
    point", ECCV 2016, whose annotators clicked anywhere on the object). A
    dilated point (``--dilation``) is clipped to its region. Output
    ``OUT_DIR/points_mask[_d<d>]/<id>.png`` and ``points_mask[_d<d>].json``.

Both write 8-bit grayscale PNGs with the class id on the point pixels and
254 (unlabeled) elsewhere, and a JSON file ``{id: [[col, row, label],
...]}`` of the exact points (the ``points_file`` of
:class:`mmlabeleff.datasets.VOCWeakDataset`). Every file is written
atomically. The scribble source is the one the SPML paper used; the mask
source is deterministic and needs no scribbles.

Usage::

    python tools/dataset_converters/voc_points.py scribbles \\
        data/scribble_annotation/pascal_2012 \\
        data/VOCdevkit/VOC2012/ScribbleSup \\
        --img-dir data/VOCdevkit/VOC2012/JPEGImages --dilation 6
    python tools/dataset_converters/voc_points.py masks \\
        data/VOCdevkit/VOC2012 [--split ImageSets/Segmentation/trainaug.txt]
"""
import argparse
import json
import os.path as osp
import sys

import cv2
import numpy as np
from PIL import Image

from mmlabeleff.utils.atomic_io import save_png_atomic, write_text_atomic

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import scribblesup  # noqa: E402

NUM_CLASSES = 21
UNLABELED_INDEX = scribblesup.UNLABELED_INDEX
IGNORE_INDEX = scribblesup.IGNORE_INDEX


def read_index_png(path):
    """A palette or grayscale PNG of ids as an array; errors name it."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: mask not found')
    try:
        with Image.open(path) as img:
            if img.mode not in ('P', 'L'):
                raise ValueError(f'{path}: expected a palette or grayscale '
                                 f'PNG of ids, got mode {img.mode}')
            return np.array(img)
    except OSError as e:
        raise ValueError(f'{path}: cannot read the PNG ({e})') from e


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
            labels = labels[(labels > 0) & (labels < NUM_CLASSES)]
            if not labels.size:
                continue
            label = int(np.bincount(labels).argmax())
            regions.append((label, region))
            done.add(label)
    for label in np.unique(cls_mask):
        label = int(label)
        if label >= NUM_CLASSES or label in done:
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

    Returns:
        tuple: ``(label_map, points)``: uint8 ``(H, W)`` map and the
        ``[col, row, label]`` of each point.
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
        points.append([col, row, label])
    return label_map, points


def convert_masks(voc_root, split='ImageSets/Segmentation/trainaug.txt',
                  seg_dir='SegmentationClassAug', inst_dir='SegmentationObject',
                  out_dir=None, dilation=1, min_area=25, background=True):
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
        dict: ``images``, ``points``, ``with_instances`` and ``outputs``.
    """
    def under(path):
        return path if osp.isabs(path) else osp.join(voc_root, path)

    if dilation < 1:
        raise ValueError(f'dilation must be >= 1, got {dilation}')
    ids = scribblesup.read_id_list(under(split))
    out_dir = out_dir or osp.join(voc_root, 'ScribbleSup')
    name = 'points_mask' + (f'_d{dilation}' if dilation != 1 else '')
    table, with_inst = {}, 0
    for img_id in ids:
        cls_path = osp.join(under(seg_dir), img_id + '.png')
        cls_mask = read_index_png(cls_path)
        inst_path = osp.join(under(inst_dir), img_id + '.png')
        inst_mask = None
        if inst_dir and osp.isfile(inst_path):
            inst_mask = read_index_png(inst_path)
            if inst_mask.shape != cls_mask.shape:
                raise ValueError(f'{inst_path}: size {inst_mask.shape} '
                                 f'differs from {cls_path} {cls_mask.shape}')
            with_inst += 1
        label_map, points = points_from_masks(cls_mask, inst_mask, min_area,
                                              background, dilation)
        save_png_atomic(osp.join(out_dir, name, img_id + '.png'), label_map)
        table[img_id] = points
    json_path = osp.join(out_dir, name + '.json')
    write_text_atomic(json_path, json.dumps(table, sort_keys=True) + '\n')
    return dict(images=len(ids), points=sum(len(p) for p in table.values()),
                with_instances=with_inst,
                outputs=[osp.join(out_dir, name), json_path])


def parse_args(argv=None):
    """Parse command-line arguments."""
    parser = argparse.ArgumentParser(
        description='Point labels for PASCAL VOC, from ScribbleSup scribbles '
        '(their centre points) or from object masks (interior points).')
    sub = parser.add_subparsers(dest='source', required=True)
    scr = sub.add_parser('scribbles', help='centre points of the scribbles '
                         '(scribblesup.py --ratios 0)')
    scr.add_argument('xml_dir', help='folder of ScribbleSup <id>.xml')
    scr.add_argument('out_dir', help='parent of the output folder')
    scr.add_argument('--dataset', choices=scribblesup.DATASETS,
                     default='voc')
    scr.add_argument('--img-dir', help='folder of <id>.jpg, for the sizes')
    scr.add_argument('--split', help='split file: convert only its ids')
    scr.add_argument('--coord-offset', type=float, default=0.0)
    scr.add_argument('--skip-unknown', action='store_true')
    scr.add_argument('--nproc', type=int, default=1)
    msk = sub.add_parser('masks', help='interior points of objects')
    msk.add_argument('voc_root', help='the VOC2012 folder')
    msk.add_argument('--split', default='ImageSets/Segmentation/trainaug.txt',
                     help='split file, relative to voc_root')
    msk.add_argument('--seg-dir', default='SegmentationClassAug',
                     help='class masks, relative to voc_root')
    msk.add_argument('--inst-dir', default='SegmentationObject',
                     help='instance masks (used where present)')
    msk.add_argument('--out-dir', help='default: <voc_root>/ScribbleSup')
    msk.add_argument('--min-area', type=int, default=25,
                     help='smallest component with a point (default: 25)')
    msk.add_argument('--no-background', action='store_true',
                     help='no points on background')
    for p in (scr, msk):
        p.add_argument('--dilation', type=int, default=1,
                       help='point diameter in pixels (default: 1; SPML: 6)')
    args = parser.parse_args(argv)
    if args.dilation < 1:
        parser.error('--dilation must be >= 1')
    return args


def main(argv=None):
    """Write the points and print a summary.

    Returns:
        int: The exit status.
    """
    args = parse_args(argv)
    try:
        if args.source == 'scribbles':
            summary = scribblesup.convert(
                args.xml_dir, args.out_dir, args.dataset, [0.0],
                args.dilation, args.img_dir, args.split, args.coord_offset,
                args.skip_unknown, args.nproc)
            count = summary['scribbles']
        else:
            summary = convert_masks(
                args.voc_root, args.split, args.seg_dir, args.inst_dir,
                args.out_dir, args.dilation, args.min_area,
                not args.no_background)
            count = summary['points']
    except (FileNotFoundError, ValueError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    print(f'{summary["images"]} images, {count} points')
    for path in summary['outputs']:
        print(f'  wrote {path}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
