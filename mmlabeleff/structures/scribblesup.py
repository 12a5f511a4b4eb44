"""ScribbleSup's scribbles: read its XML files and rasterise them.

ScribbleSup (Lin, Dai, Jia, He and Sun, "ScribbleSup: Scribble-supervised
convolutional networks for semantic segmentation", CVPR 2016) released its
scribbles for PASCAL VOC 2012 and PASCAL-Context as one XML file per image,
``scribble_annotation/pascal_2012/<id>.xml`` and
``scribble_annotation/pascal_context/<id>.xml``. The format assumed here
(that of the released files as public converters read them)::

    <annotation>
      <filename>2007_000032.jpg</filename>            (optional)
      <size><width>500</width><height>281</height></size>
      <polygon>                       one scribble: an OPEN polyline
        <tag>plane</tag>              its class name
        <point><X>104</X><Y>78</Y></point>   column, row of a vertex
        ...
      </polygon>
      ...
    </annotation>

- Coordinates are taken as 0-based pixel indices (as BLPSeg's converter
  does; rloss's MATLAB script feeds them to ``insertShape`` unchanged, i.e.
  as 1-based): ``coord_offset=-1`` shifts them for 1-based files. Vertices
  outside the image are clipped to its border.
- Class names: the dataset's names (mmseg's VOC / PASCAL-Context lists) and
  ScribbleSup's short names (``plane``, ``bike``, ``table``, ``plant``,
  ``monitor``, ``tv``) are accepted, case, spaces, ``_`` and ``-`` ignored;
  ``background`` is class 0 for VOC and for 60-class Context, and 255
  (ignore) for the 59-class Context of mmseg's ``PascalContextDataset59``.
  Any other name is an error naming the file (``skip_unknown`` drops the
  scribble instead).

Each scribble is drawn as a 1-pixel 8-connected polyline (``cv2.polylines``)
through its rounded vertices, then optionally dilated with a ``d`` x ``d``
elliptic kernel (SPML uses 3 for scribbles and 6 for points, BLPSeg the raw
1-pixel lines). Later scribbles overwrite earlier ones where they cross (XML
order). Every other pixel is 254 (unlabeled, see
:mod:`mmlabeleff.structures.label_convention`). A length ratio shortens every
scribble to a contiguous sub-polyline of that fraction of its arc length,
centred on the arc-length midpoint (SPML's scribble-length study); ratio 0
keeps the single centre point, SPML's "points" label, whose exact points are
also written in the points-JSON format of
:mod:`mmlabeleff.structures.weak_label_files`.

``tools/dataset_converters/scribblesup.py`` and ``voc_points.py scribbles``
are the command lines of :func:`convert_scribblesup`. Written for mmlabeleff
from the papers and the file format; no code was copied.
"""
import json
import os
import os.path as osp
import xml.etree.ElementTree as ET
from functools import partial
from multiprocessing import Pool

import cv2
import numpy as np
from PIL import Image

from mmlabeleff.utils.atomic_io import save_png_atomic, write_text_atomic
from mmlabeleff.utils.label_remap import read_id_list
from .label_convention import IGNORE_INDEX, UNLABELED_INDEX
from .weak_label_files import (
    point_record,
    points_file_name,
    points_name,
    scribbles_name,
    sparse_map_file,
)

__all__ = [
    'VOC_CLASSES', 'CONTEXT60_CLASSES', 'SCRIBBLESUP_ALIASES',
    'SCRIBBLESUP_DATASETS', 'normalise_class_name', 'class_table',
    'parse_scribble_xml', 'sub_polyline', 'rasterise_scribbles',
    'scribblesup_output_name', 'convert_scribblesup'
]

VOC_CLASSES = ('background', 'aeroplane', 'bicycle', 'bird', 'boat', 'bottle',
               'bus', 'car', 'cat', 'chair', 'cow', 'diningtable', 'dog',
               'horse', 'motorbike', 'person', 'pottedplant', 'sheep', 'sofa',
               'train', 'tvmonitor')
#: mmseg's PascalContextDataset classes (background first, then 59).
CONTEXT60_CLASSES = (
    'background', 'aeroplane', 'bag', 'bed', 'bedclothes', 'bench',
    'bicycle', 'bird', 'boat', 'book', 'bottle', 'building', 'bus', 'cabinet',
    'car', 'cat', 'ceiling', 'chair', 'cloth', 'computer', 'cow', 'cup',
    'curtain', 'dog', 'door', 'fence', 'floor', 'flower', 'food', 'grass',
    'ground', 'horse', 'keyboard', 'light', 'motorbike', 'mountain', 'mouse',
    'person', 'plate', 'platform', 'pottedplant', 'road', 'rock', 'sheep',
    'shelves', 'sidewalk', 'sign', 'sky', 'snow', 'sofa', 'table', 'track',
    'train', 'tree', 'truck', 'tvmonitor', 'wall', 'water', 'window', 'wood')
#: ScribbleSup's short class names -> the dataset's names.
SCRIBBLESUP_ALIASES = {
    'voc': dict(plane='aeroplane', bike='bicycle', table='diningtable',
                plant='pottedplant', monitor='tvmonitor', tv='tvmonitor'),
    'context': dict(plane='aeroplane', bike='bicycle', plant='pottedplant',
                    monitor='tvmonitor', tv='tvmonitor',
                    diningtable='table'),
}
SCRIBBLESUP_DATASETS = ('voc', 'context59', 'context60')


def normalise_class_name(name):
    """A class name without case, spaces, ``_`` and ``-``
    (``'Potted plant'`` -> ``'pottedplant'``)."""
    return ''.join(ch for ch in name.lower() if ch not in ' _-')


def class_table(dataset):
    """Map normalised class names to label ids for ``dataset``.

    Args:
        dataset (str): ``'voc'`` (21 classes), ``'context59'`` (mmseg's 59,
            background -> 255) or ``'context60'`` (background = 0).

    Returns:
        dict[str, int]: Normalised name -> id (255 for ignored names).
    """
    if dataset == 'voc':
        classes, aliases = VOC_CLASSES, SCRIBBLESUP_ALIASES['voc']
    elif dataset in ('context59', 'context60'):
        classes, aliases = CONTEXT60_CLASSES, SCRIBBLESUP_ALIASES['context']
    else:
        raise ValueError(f'dataset must be one of {SCRIBBLESUP_DATASETS}, '
                         f'got {dataset!r}')
    table = {normalise_class_name(c): i for i, c in enumerate(classes)}
    if dataset == 'context59':
        table = {n: (i - 1 if i else IGNORE_INDEX) for n, i in table.items()}
    for short, full in aliases.items():
        table.setdefault(normalise_class_name(short),
                         table[normalise_class_name(full)])
    return table


def parse_scribble_xml(path):
    """Read one ScribbleSup XML file.

    Args:
        path (str): The file.

    Returns:
        tuple: ``(height, width, scribbles)`` with ``height`` / ``width``
        from ``<size>`` (None when absent) and ``scribbles`` a list of
        ``(tag, points)``, ``points`` a float ``(N, 2)`` array of x, y.

    Raises:
        FileNotFoundError: If the file is missing.
        ValueError: If it is malformed (the message names it).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: scribble XML not found')
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        raise ValueError(f'{path}: malformed XML ({e})') from e
    if root.tag != 'annotation':
        raise ValueError(
            f'{path}: expected an <annotation> root, got <{root.tag}>')
    height = width = None
    size = root.find('size')
    if size is not None:
        try:
            height = int(float(size.findtext('height')))
            width = int(float(size.findtext('width')))
        except (TypeError, ValueError) as e:
            raise ValueError(f'{path}: <size> needs numeric <width> and '
                             '<height>') from e
    scribbles = []
    for index, polygon in enumerate(root.iter('polygon')):
        tag = (polygon.findtext('tag') or '').strip()
        if not tag:
            raise ValueError(f'{path}: <polygon> {index} has no <tag>')
        points = []
        for point in polygon.findall('point'):
            try:
                points.append(
                    (float(point.findtext('X')), float(point.findtext('Y'))))
            except (TypeError, ValueError) as e:
                raise ValueError(f'{path}: <polygon> {index} ({tag}) has a '
                                 '<point> without numeric <X> and <Y>') from e
        if not points:
            raise ValueError(
                f'{path}: <polygon> {index} ({tag}) has no <point>')
        scribbles.append((tag, np.asarray(points, dtype=np.float64)))
    return height, width, scribbles


def sub_polyline(points, ratio):
    """The centred, contiguous part of a polyline with ``ratio`` of its
    arc length.

    Args:
        points (np.ndarray): ``(N, 2)`` vertices.
        ratio (float): In ``[0, 1]``; 1 returns the polyline, 0 the single
            point at half its arc length.

    Returns:
        np.ndarray: ``(M, 2)`` vertices (``M = 1`` for ratio 0).
    """
    points = np.asarray(points, dtype=np.float64)
    if not 0 <= ratio <= 1:
        raise ValueError(f'ratio must be in [0, 1], got {ratio}')
    if ratio == 1 or len(points) == 1:
        return points if ratio > 0 else points[:1]
    steps = np.diff(points, axis=0)
    lengths = np.hypot(steps[:, 0], steps[:, 1])
    cum = np.concatenate([[0.0], np.cumsum(lengths)])
    total = cum[-1]
    if total == 0:
        return points[:1]

    def at(s):
        i = int(np.clip(np.searchsorted(cum, s, side='right') - 1, 0,
                        len(lengths) - 1))
        t = (s - cum[i]) / lengths[i] if lengths[i] > 0 else 0.0
        return points[i] + t * steps[i]

    if ratio == 0:
        return at(total / 2)[None]
    start, end = total * (1 - ratio) / 2, total * (1 + ratio) / 2
    inner = points[(cum > start) & (cum < end)]
    return np.vstack([at(start)[None], inner, at(end)[None]])


def _round(points, height, width):
    """Round half up to pixel indices and clip to the image."""
    ints = np.floor(points + 0.5).astype(np.int32)
    ints[:, 0] = np.clip(ints[:, 0], 0, width - 1)
    ints[:, 1] = np.clip(ints[:, 1], 0, height - 1)
    return ints


def rasterise_scribbles(scribbles, height, width, ratio=1.0, dilation=1):
    """Draw labelled scribbles into a sparse map.

    Args:
        scribbles (list[tuple[int, np.ndarray]]): ``(label, points)`` pairs,
            points ``(N, 2)`` x, y pixel indices (floats allowed).
        height (int): Image height.
        width (int): Image width.
        ratio (float): Length ratio kept of each scribble (see
            :func:`sub_polyline`). Defaults to 1.
        dilation (int): Stroke diameter in pixels (1 = no dilation).

    Returns:
        tuple: ``(label_map, centres)``: a uint8 ``(H, W)`` map (254 where
        nothing is drawn) and, for ratio 0, the
        :func:`~mmlabeleff.structures.weak_label_files.point_record` of each
        drawn point (classes only; else an empty list).
    """
    if dilation < 1:
        raise ValueError(f'dilation must be >= 1, got {dilation}')
    label_map = np.full((height, width), UNLABELED_INDEX, dtype=np.uint8)
    kernel = (
        cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (dilation, dilation))
        if dilation > 1 else None)
    centres = []
    for label, points in scribbles:
        pixels = _round(sub_polyline(points, ratio), height, width)
        mask = np.zeros((height, width), dtype=np.uint8)
        if len(pixels) > 1:
            cv2.polylines(mask, [pixels.reshape(-1, 1, 2)], isClosed=False,
                          color=1, thickness=1, lineType=cv2.LINE_8)
        mask[pixels[:, 1], pixels[:, 0]] = 1
        if kernel is not None:
            mask = cv2.dilate(mask, kernel)
        label_map[mask > 0] = label
        if ratio == 0 and label != IGNORE_INDEX:
            centres.append(
                point_record(pixels[0, 0], pixels[0, 1], label))
    return label_map, centres


def scribblesup_output_name(dataset: str, ratio: float,
                            dilation: int = 1) -> str:
    """Folder name of one conversion, through
    :mod:`mmlabeleff.structures.weak_label_files`.

    Args:
        dataset (str): ``'voc'`` (no prefix), ``'context59'`` or
            ``'context60'`` (the prefix).
        ratio (float): Length ratio; 0 gives the centre points
            (``points_name(source='scribbles')``, ``points_r000``).
        dilation (int): Stroke diameter; above 1 it is appended as
            ``_d<dilation>``.

    Returns:
        str: e.g. ``'scribbles_r080'``, ``'context59_scribbles_r100'``,
        ``'points_r000_d6'``.
    """
    prefix = '' if dataset == 'voc' else dataset
    suffix = dilation if dilation > 1 else 0
    if ratio == 0:
        return points_name(source='scribbles', dilation=suffix, prefix=prefix)
    return scribbles_name(ratio, suffix, prefix)


def _image_size(img_id, xml_path, xml_size, img_dir=None):
    """``(height, width)`` of an image, from ``img_dir`` or the XML."""
    if img_dir:
        img_path = osp.join(img_dir, img_id + '.jpg')
        if not osp.isfile(img_path):
            raise FileNotFoundError(f'{img_path}: image not found')
        with Image.open(img_path) as img:
            width, height = img.size
        return height, width
    height, width = xml_size
    if not height or not width:
        raise ValueError(f'{xml_path}: no <size>; pass the image folder '
                         '(--img-dir) to read the size from the image')
    return height, width


def _convert_one(xml_path, out_dir, dataset, ratios, dilation, img_dir=None,
                 coord_offset=0.0, skip_unknown=False):
    """Convert one XML file into one PNG per ratio.

    Returns:
        dict: ``id``, ``scribbles`` (kept), ``skipped`` (unknown tags),
        ``labeled`` (labelled pixel fraction per ratio) and ``centres``
        (the point records of ratio 0, if asked).
    """
    img_id = osp.splitext(osp.basename(xml_path))[0]
    table = class_table(dataset)
    height, width, raw = parse_scribble_xml(xml_path)
    height, width = _image_size(img_id, xml_path, (height, width), img_dir)
    scribbles, skipped = [], 0
    for tag, points in raw:
        label = table.get(normalise_class_name(tag))
        if label is None:
            if skip_unknown:
                skipped += 1
                continue
            raise ValueError(f'{xml_path}: unknown class name {tag!r} for '
                             f'dataset {dataset!r}')
        scribbles.append((label, points + coord_offset))
    result = dict(id=img_id, scribbles=len(scribbles), skipped=skipped,
                  labeled={}, centres=None)
    for ratio in ratios:
        label_map, centres = rasterise_scribbles(scribbles, height, width,
                                                 ratio, dilation)
        name = scribblesup_output_name(dataset, ratio, dilation)
        save_png_atomic(sparse_map_file(out_dir, name, img_id), label_map)
        result['labeled'][name] = float(
            (label_map != UNLABELED_INDEX).mean())
        if ratio == 0:
            result['centres'] = centres
    return result


def convert_scribblesup(xml_dir, out_dir, dataset='voc', ratios=(1.0, ),
                        dilation=1, img_dir=None, split=None,
                        coord_offset=0.0, skip_unknown=False, nproc=1):
    """Convert a folder of ScribbleSup XML files.

    Args:
        xml_dir (str): Folder of ``<id>.xml``.
        out_dir (str): Parent folder of the output folders.
        dataset (str): ``'voc'``, ``'context59'`` or ``'context60'``.
        ratios (Sequence[float]): Length ratios, one output folder each.
        dilation (int): Stroke diameter in pixels.
        img_dir (str, optional): Folder of ``<id>.jpg`` (image sizes).
        split (str, optional): Split file: convert only its ids.
        coord_offset (float): Added to every X and Y.
        skip_unknown (bool): Drop scribbles with unknown class names.
        nproc (int): Worker processes.

    Returns:
        dict: ``images``, ``scribbles``, ``skipped``, ``labeled`` (mean
        labelled pixel fraction per output folder) and ``outputs`` (paths).
        The folders are named by :func:`scribblesup_output_name`; with ratio
        0 the points JSON ``{id: [point_record, ...]}`` (sorted ids) is
        written beside its folder.

    Raises:
        FileNotFoundError: If the folder, a listed XML or an image is
            missing (named in the message).
        ValueError: For a bad dataset, split file or XML file (named).
    """
    if dataset not in SCRIBBLESUP_DATASETS:
        raise ValueError(f'dataset must be one of {SCRIBBLESUP_DATASETS}, '
                         f'got {dataset!r}')
    if not osp.isdir(xml_dir):
        raise FileNotFoundError(f'{xml_dir}: scribble XML folder not found')
    if split:
        xml_files = [osp.join(xml_dir, i + '.xml') for i in read_id_list(split)]
        for path in xml_files:
            if not osp.isfile(path):
                raise FileNotFoundError(
                    f'{path}: scribble XML not found (listed in {split})')
    else:
        xml_files = sorted(
            osp.join(xml_dir, f) for f in os.listdir(xml_dir)
            if f.endswith('.xml'))
        if not xml_files:
            raise ValueError(f'{xml_dir}: no .xml files')
    ratios = [float(r) for r in ratios]
    names = [scribblesup_output_name(dataset, r, dilation) for r in ratios]
    if len(set(names)) != len(names):
        raise ValueError(f'ratios {ratios} give duplicate folders {names}')
    work = partial(_convert_one, out_dir=out_dir, dataset=dataset,
                   ratios=ratios, dilation=dilation, img_dir=img_dir,
                   coord_offset=coord_offset, skip_unknown=skip_unknown)
    if nproc > 1:
        with Pool(nproc) as pool:
            results = pool.map(work, xml_files, chunksize=16)
    else:
        results = [work(path) for path in xml_files]
    outputs = [osp.join(out_dir, name) for name in names]
    if 0.0 in ratios:
        name = scribblesup_output_name(dataset, 0.0, dilation)
        table = {r['id']: r['centres'] for r in results}
        json_path = osp.join(out_dir, points_file_name(name))
        write_text_atomic(json_path, json.dumps(table, sort_keys=True) + '\n')
        outputs.append(json_path)
    return dict(
        images=len(results),
        scribbles=sum(r['scribbles'] for r in results),
        skipped=sum(r['skipped'] for r in results),
        labeled={n: float(np.mean([r['labeled'][n] for r in results]))
                 for n in names},
        outputs=outputs)
