"""Simulate the weak labels of a whole dataset from its dense masks.

The dataset-level driver around :class:`WeakLabelSimulator` (ScribbleSup-style
scribbles, Lin et al. CVPR 2016, shortened as in SPML's scribble-length
study, Ke et al. ICLR 2021): it lists a dataset's samples, reads and checks
each dense mask, writes every label type under one folder with the names of
:mod:`mmlabeleff.structures.weak_label_files`, and reports what the labels
cover (:mod:`mmlabeleff.structures.weak_label_stats`).
``tools/dataset_converters/simulate_weak_labels.py`` is its command line.

Output layout under ``out_dir`` (IMAGEID is a sample's ``id``: the file stem
of the label map, or its path under the label folder without suffix)::

    tags.json                {IMAGEID: [class ids]}
    boxes.json               {IMAGEID: [{bbox: [x1, y1, x2, y2],
                                         bbox_label, ignore_flag}]}
                             pixel-edge boxes, x2 / y2 exclusive
    scribbles_r100/IMAGEID.png   sparse maps, one folder per scribble ratio
    scribbles_r080/ ... scribbles_r000/   (r000: one point per object)
    points_n1/IMAGEID.png    sparse map, one folder per points-per-object
    points_n1.json           {IMAGEID: [{point: [x, y], point_label}]}
                             x = column, y = row of the labelled pixel
    partial_f010/IMAGEID.png partial masks, one folder per fraction
                             (partial_px_f010/ with partial_mode='pixels')
    stats.json, stats.md     the statistics report

Scribbles drawn with a brush wider than 1 px get a ``_w<width>`` suffix
(``scribble_width=3``: ``scribbles_r100_w3``), dilated points a
``_d<radius>`` suffix (``points_n1_d6``); the defaults (1-pixel scribbles,
single-pixel points) add none.

Sparse maps are single-channel 8-bit PNGs in the convention of
:mod:`mmlabeleff.structures.label_convention`: class ids, 254 = unlabeled,
255 = void.

Every file is written atomically (a temporary file in the same folder, then
:func:`os.replace`), and a re-run with the same arguments and seed writes
byte-identical files, whatever the number of workers (each image's labels
depend only on the seed and its IMAGEID). Files of images that are no longer
listed are not removed. When an image fails (a missing or unreadable label
map, values outside the classes), the error names its file; the sparse maps
of the images done before it stay (each complete), no temporary file is left
behind, and the JSON files and the report are not written.

Written for mmlabeleff; no code was copied.
"""
import io
import json
import multiprocessing
import os
import os.path as osp
import signal
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from PIL import Image

from mmlabeleff.utils.atomic_io import write_bytes_atomic, write_text_atomic
from .label_convention import IGNORE_INDEX, UNLABELED_INDEX, check_label_map
from .weak_label_files import (
    BOXES_FILE,
    STATS_FILES,
    TAGS_FILE,
    partial_name,
    points_file_name,
    points_name,
    scribbles_name,
    sparse_map_file,
)
from .weak_label_simulator import WeakLabelSimulator
from .weak_label_stats import (
    aggregate_weak_label_stats,
    label_coverage,
    render_stats_markdown,
)

__all__ = [
    'WEAK_LABEL_TYPES', 'SPLIT_DATASETS', 'list_split_samples',
    'list_folder_samples',
    'load_dense_mask', 'weak_label_outputs', 'simulate_weak_sample',
    'simulate_weak_labels'
]

#: The label types the simulator writes, in output order.
WEAK_LABEL_TYPES = ('tags', 'boxes', 'scribbles', 'points', 'partial')

# The state of a worker process, set by ``_init_worker``.
_WORKER = {}


# ------------------------------------------------------------------ inputs
#: Datasets of the split-file layout (``splits/<split>.txt`` of
#: ``"image_path label_path"`` lines) the simulator reads by name.
SPLIT_DATASETS = dict(camvid='CamVidDataset', msrc21='MSRC21Dataset')


def list_split_samples(data_root: str, split: str = 'train',
                       dataset: str = 'camvid') -> Tuple[list, list, dict]:
    """The samples of a split of CamVid or MSRC-21, as the dataset reads them.

    Args:
        data_root (str): The dataset root, with ``splits/<split>.txt``.
        split (str): The split. Defaults to ``'train'``.
        dataset (str): A key of :data:`SPLIT_DATASETS` (``'camvid'``,
            ``'msrc21'``). Defaults to ``'camvid'``.

    Returns:
        tuple: ``(samples, classes, label_map)``: each sample a dict with
        ``id`` (the label map's stem), ``img_path`` and ``seg_map_path``;
        the class names; the dataset's ``{raw value: class id}`` map (CamVid:
        void 11 to 255; MSRC-21 stores 255 already, an empty map).

    Raises:
        FileNotFoundError: If the root or its split file is missing.
        ValueError: For an unknown ``dataset``.
    """
    if dataset not in SPLIT_DATASETS:
        raise ValueError(f'unknown split dataset {dataset!r}; expected one '
                         f'of {sorted(SPLIT_DATASETS)}')
    import mmlabeleff.datasets  # noqa: F401  (registers them)
    from mmlabeleff.registry import DATASETS  # datasets build on us
    reader = DATASETS.build(
        dict(type=SPLIT_DATASETS[dataset], data_root=data_root,
             ann_file=f'splits/{split}.txt', pipeline=[],
             serialize_data=False))
    samples = []
    label_map = {}
    for index in range(len(reader)):
        info = reader.get_data_info(index)
        label_map = info['label_map'] or {}
        samples.append(
            dict(id=osp.splitext(osp.basename(info['seg_map_path']))[0],
                 img_path=info['img_path'], seg_map_path=info['seg_map_path']))
    return samples, list(reader.metainfo['classes']), dict(label_map)


def list_folder_samples(img_dir: str, ann_dir: str, img_suffix: str = '.jpg',
                        seg_map_suffix: str = '.png') -> List[dict]:
    """The samples of an mmseg-style folder dataset.

    Images are listed recursively (sorted), each with the label map of the
    same relative stem under ``ann_dir``.

    Args:
        img_dir (str): The image folder.
        ann_dir (str): The label-map folder.
        img_suffix (str): Image file suffix. Defaults to ``'.jpg'``.
        seg_map_suffix (str): Label-map suffix. Defaults to ``'.png'``.

    Returns:
        list[dict]: ``id`` (the relative stem, ``/``-separated),
        ``img_path``, ``seg_map_path``.

    Raises:
        FileNotFoundError: If a folder or a label map is missing, or no
            image is found (the message names it).
    """
    for folder in (img_dir, ann_dir):
        if not folder or not osp.isdir(folder):
            raise FileNotFoundError(f'{folder}: folder not found')
    samples = []
    for root, dirs, files in os.walk(img_dir):
        dirs.sort()
        for name in sorted(files):
            if not name.endswith(img_suffix):
                continue
            rel = osp.relpath(osp.join(root, name), img_dir)
            stem = rel[:-len(img_suffix)].replace(os.sep, '/')
            seg_map_path = osp.join(ann_dir, stem + seg_map_suffix)
            if not osp.isfile(seg_map_path):
                raise FileNotFoundError(
                    f'{seg_map_path}: label map of {osp.join(img_dir, rel)} '
                    'not found')
            samples.append(dict(id=stem, img_path=osp.join(img_dir, rel),
                                seg_map_path=seg_map_path))
    if not samples:
        raise FileNotFoundError(f'{img_dir}: no *{img_suffix} images found')
    return samples


def load_dense_mask(sample: dict, num_classes: int,
                    label_map: Optional[dict] = None) -> np.ndarray:
    """Read a dense label map, map its raw values and check it.

    Args:
        sample (dict): ``img_path`` and ``seg_map_path``.
        num_classes (int): K; values must end up in ``0..K-1`` or 255.
        label_map (dict, optional): ``{raw value: new value}``, e.g. the
            void id to 255. Defaults to none.

    Returns:
        np.ndarray: ``(H, W)`` uint8 class ids, 255 on void.

    Raises:
        FileNotFoundError: Naming a missing image or label map.
        ValueError: Naming the file, for an unreadable (e.g. truncated) or
            multi-channel map, an image / label size mismatch, or values
            outside the classes.
    """
    img_path, seg_path = sample['img_path'], sample['seg_map_path']
    for path in (img_path, seg_path):
        if not osp.isfile(path):
            raise FileNotFoundError(f'{path}: file not found')
    try:
        with Image.open(seg_path) as seg:
            raw = np.array(seg)
        with Image.open(img_path) as img:
            img_size = img.size
    except OSError as err:
        raise ValueError(f'{seg_path} / {img_path}: cannot read: {err}') from err
    if raw.ndim != 2:
        raise ValueError(f'{seg_path}: expected a single-channel label map, '
                         f'got shape {raw.shape}')
    if (raw.shape[1], raw.shape[0]) != tuple(img_size):
        raise ValueError(
            f'{seg_path}: label map is {raw.shape[1]}x{raw.shape[0]} (WxH) '
            f'but its image {img_path} is {img_size[0]}x{img_size[1]}')
    mask = raw.astype(np.int64)
    for old, new in (label_map or {}).items():
        mask[raw == old] = new
    check_label_map(mask, num_classes, seg_path)
    return mask.astype(np.uint8)


# ----------------------------------------------------------------- outputs
def _png_bytes(array: np.ndarray) -> bytes:
    """Encode a uint8 ``(H, W)`` map as a grayscale PNG (deterministic)."""
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(array, dtype=np.uint8),
                    mode='L').save(buffer, format='PNG')
    return buffer.getvalue()


def _json_per_line(mapping: dict) -> str:
    """A JSON object with one ``"key": value`` entry per line."""
    lines = [f'{json.dumps(key)}: {json.dumps(value, separators=(",", ":"))}'
             for key, value in mapping.items()]
    return '{\n' + ',\n'.join(lines) + '\n}\n' if lines else '{}\n'


def weak_label_outputs(types: Sequence[str] = WEAK_LABEL_TYPES,
                       scribble_ratios: Sequence[float] = (1.0, 0.8, 0.5, 0.3,
                                                           0.0),
                       num_points: Sequence[int] = (1, ),
                       partial_fraction: Sequence[float] = (0.1, ),
                       partial_mode: str = 'objects',
                       box_mode: str = 'component',
                       scribble_width: int = 1,
                       point_dilation: int = 0) -> List[tuple]:
    """The outputs to produce, named by
    :mod:`mmlabeleff.structures.weak_label_files`.

    Args:
        types (Sequence[str]): Label types, among :data:`WEAK_LABEL_TYPES`.
        scribble_ratios (Sequence[float]): Scribble length ratios, one
            folder each.
        num_points (Sequence[int]): Points per object, one folder each.
        partial_fraction (Sequence[float]): Fractions kept, one folder each.
        partial_mode (str): ``'objects'`` or ``'pixels'``.
        box_mode (str): ``'component'`` or ``'class'``.
        scribble_width (int): Scribble brush width in px (named
            ``_w<width>`` above 1).
        point_dilation (int): Point dilation radius (named ``_d<r>``).

    Returns:
        list[tuple]: ``(name, kind, parameter)`` in output order: ``kind``
        is the label type, ``parameter`` the box mode, ratio, number of
        points or fraction (None for tags).

    Raises:
        ValueError: If a type is unknown or two outputs get the same name.
    """
    unknown = sorted(set(types) - set(WEAK_LABEL_TYPES))
    if unknown:
        raise ValueError(f'unknown label types {unknown}; choose among '
                         f'{list(WEAK_LABEL_TYPES)}')
    names = []
    if 'tags' in types:
        names.append(('tags', 'tags', None))
    if 'boxes' in types:
        names.append(('boxes', 'boxes', box_mode))
    if 'scribbles' in types:
        names += [(scribbles_name(r, width=scribble_width), 'scribbles', r)
                  for r in scribble_ratios]
    if 'points' in types:
        names += [(points_name(n, point_dilation), 'points', n)
                  for n in num_points]
    if 'partial' in types:
        names += [(partial_name(f, partial_mode), 'partial', f)
                  for f in partial_fraction]
    seen = [name for name, _, _ in names]
    duplicates = sorted({name for name in seen if seen.count(name) > 1})
    if duplicates:
        raise ValueError(f'options give the same output twice: {duplicates}')
    return names


# ------------------------------------------------------------- per image
def simulate_weak_sample(sample: dict, simulator: WeakLabelSimulator,
                         outputs: Sequence[tuple], out_dir: str,
                         label_map: Optional[dict] = None,
                         partial_mode: str = 'objects') -> dict:
    """Simulate, write and count the weak labels of one image.

    Writes the sparse maps (scribbles, points, partial masks) of the image;
    tags, boxes and points are returned for the JSON files.

    Args:
        sample (dict): ``id``, ``img_path``, ``seg_map_path``.
        simulator (WeakLabelSimulator): The seeded simulator.
        outputs (Sequence[tuple]): :func:`weak_label_outputs`.
        out_dir (str): The output folder.
        label_map (dict, optional): See :func:`load_dense_mask`.
        partial_mode (str): ``'objects'`` or ``'pixels'``.

    Returns:
        dict: ``id``, ``tags``, ``boxes``, ``points`` ({name: list}),
        ``dense`` counts and ``types`` ({name: counts of
        :func:`label_coverage`}).
    """
    sim = simulator
    num_classes = sim.num_classes
    key = sample['id']
    mask = load_dense_mask(sample, num_classes, label_map)
    objs = sim.objects(mask)
    valid = mask != IGNORE_INDEX
    record = dict(
        id=key, tags=None, boxes=None, points={},
        dense=dict(
            pixels=np.bincount(mask[valid], minlength=num_classes).tolist(),
            objects=np.bincount(objs['labels'],
                                minlength=num_classes).tolist(),
            objects_kept=int((objs['areas'] >= max(sim.min_area, 1)).sum()),
            void_pixels=int((~valid).sum()), total_pixels=int(mask.size)),
        types={})
    ratios = [param for _, kind, param in outputs if kind == 'scribbles']
    scribbles = iter(sim.scribbles(mask, ratios, key=key) if ratios else [])
    for name, kind, param in outputs:
        if kind == 'tags':
            record['tags'] = sim.tags(mask, key=key)
            labeled = valid & np.isin(mask, record['tags'])
            counts = dict(count=len(record['tags']))
        elif kind == 'boxes':
            record['boxes'] = sim.boxes(mask, mode=param, key=key)
            labeled = np.zeros(mask.shape, dtype=bool)
            for box in record['boxes']:
                x1, y1, x2, y2 = box['bbox']
                labeled[y1:y2, x1:x2] |= mask[y1:y2, x1:x2] == box['bbox_label']
            counts = dict(count=len(record['boxes']),
                          per_class=np.bincount(
                              [b['bbox_label'] for b in record['boxes']],
                              minlength=num_classes).tolist())
        else:
            if kind == 'scribbles':
                sparse = next(scribbles)
                counts = {}
            elif kind == 'points':
                sparse, points = sim.points(mask, num_points=param, key=key)
                record['points'][name] = points
                counts = dict(count=len(points))
            else:
                sparse = sim.partial(mask, fraction=param, mode=partial_mode,
                                     key=key)
                counts = {}
            write_bytes_atomic(sparse_map_file(out_dir, name, key),
                               _png_bytes(sparse))
            labeled = sparse < num_classes
        counts.update(label_coverage(labeled, mask, objs, num_classes))
        record['types'][name] = counts
    return record


def _exit_on_sigterm(signum, frame):
    # A terminated worker unwinds, so an atomic write in progress removes
    # its temporary file instead of leaving it behind.
    raise SystemExit(1)


def _init_worker(state: dict) -> None:
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    _WORKER.clear()
    _WORKER.update(state)


def _simulate_in_worker(sample: dict) -> dict:
    return simulate_weak_sample(sample, **_WORKER)


# ------------------------------------------------------------------ driver
def simulate_weak_labels(samples: Sequence[dict],
                         out_dir: str,
                         num_classes: int,
                         classes: Optional[Sequence[str]] = None,
                         label_map: Optional[Dict[int, int]] = None,
                         types: Sequence[str] = WEAK_LABEL_TYPES,
                         seed: int = 0,
                         scribble_ratios: Sequence[float] = (1.0, 0.8, 0.5,
                                                             0.3, 0.0),
                         num_points: Sequence[int] = (1, ),
                         partial_fraction: Sequence[float] = (0.1, ),
                         partial_mode: str = 'objects',
                         box_mode: str = 'component',
                         min_area: int = 10,
                         min_pixels: int = 1,
                         connectivity: int = 8,
                         erosion: int = 1,
                         scribble_width: int = 1,
                         point_dilation: int = 0,
                         interior_ratio: float = 0.5,
                         workers: int = 2,
                         dataset: str = 'folder',
                         source: str = '') -> dict:
    """Write the weak labels of ``samples`` and their report to ``out_dir``.

    The options are those of :class:`WeakLabelSimulator` and
    :func:`weak_label_outputs`; the layout is described in this module's
    docstring.

    Args:
        samples (Sequence[dict]): ``id``, ``img_path``, ``seg_map_path`` of
            each image (:func:`list_split_samples`,
            :func:`list_folder_samples`); ids must be unique.
        out_dir (str): The output folder (created).
        num_classes (int): K.
        classes (Sequence[str], optional): K class names for the report.
            Defaults to ``class_0 ... class_{K-1}``.
        label_map (dict, optional): ``{raw value: new value}`` applied to the
            masks, e.g. ``{void_id: 255}``.
        types (Sequence[str]): Label types to write. Defaults to all.
        seed (int): Global seed. Defaults to 0.
        scribble_ratios (Sequence[float]): Fractions of the scribble length
            kept (SPML: 1, 0.8, 0.5, 0.3, 0).
        num_points (Sequence[int]): Points per object. Defaults to (1, ).
        partial_fraction (Sequence[float]): Fraction of objects (or pixels)
            kept. Defaults to (0.1, ).
        partial_mode (str): ``'objects'`` or ``'pixels'``.
        box_mode (str): ``'component'`` (a box per object) or ``'class'``.
        min_area (int): Objects of fewer pixels get no box, scribble, point
            or partial label; 0 keeps all. Defaults to 10.
        min_pixels (int): A class tags an image from this many pixels.
        connectivity (int): 4 or 8. Defaults to 8.
        erosion (int): 3x3 erosions before skeletonizing. Defaults to 1.
        scribble_width (int): Width in px of the round brush scribbles are
            drawn with at the original image size, odd; 1 (the default) is a
            1-pixel line, as BLPSeg rasterises PASCAL-Scribble.
        point_dilation (int): Point dilation radius in px (SPML: 6).
        interior_ratio (float): Points: minimum depth as a fraction of the
            object's maximum. Defaults to 0.5.
        workers (int): Worker processes; 0 or 1 runs in this process. The
            output does not depend on it. Defaults to 2.
        dataset (str): Dataset name for the report. Defaults to
            ``'folder'``.
        source (str): Where the masks come from, for the report.

    Returns:
        dict: The statistics, as written to ``stats.json``: ``config``,
        ``num_images``, ``classes``, ``unlabeled_index``, ``ignore_index``,
        ``dense`` and ``types`` (see
        :func:`mmlabeleff.structures.aggregate_weak_label_stats`).

    Raises:
        FileNotFoundError: Naming a missing image or label map.
        ValueError: For invalid options, duplicate ids, or a bad label map
            (naming the file).
    """
    classes = list(classes or [f'class_{i}' for i in range(num_classes)])
    if len(classes) != num_classes:
        raise ValueError(f'classes names {len(classes)} classes, '
                         f'num_classes is {num_classes}')
    ids = [s['id'] for s in samples]
    if len(set(ids)) != len(ids):
        dup = sorted({i for i in ids if ids.count(i) > 1})
        raise ValueError(f'image ids (label-map stems) are not unique: {dup[:5]}')
    outputs = weak_label_outputs(
        types, scribble_ratios, num_points, partial_fraction, partial_mode,
        box_mode, scribble_width, point_dilation)
    simulator = WeakLabelSimulator(
        num_classes, seed=seed, connectivity=connectivity,
        min_pixels=min_pixels, min_area=min_area, erosion=erosion,
        scribble_width=scribble_width, point_dilation=point_dilation,
        interior_ratio=interior_ratio)
    state = dict(simulator=simulator, outputs=outputs, out_dir=out_dir,
                 label_map=dict(label_map or {}), partial_mode=partial_mode)
    os.makedirs(out_dir, exist_ok=True)
    if workers > 1 and len(samples) > 1:
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context(
            'fork' if 'fork' in methods else None)
        pool = context.Pool(min(workers, len(samples)), _init_worker,
                            (state, ))
        # Finish with close() + join(), not terminate() (what the pool's
        # context manager does): the workers' SIGTERM handler only runs
        # between bytecodes, so a SIGTERM arriving just before an idle
        # worker blocks on the task queue's lock is never handled and the
        # join hangs. terminate() is left to the error path.
        try:
            records = list(
                pool.imap(_simulate_in_worker, samples, chunksize=4))
            pool.close()
        except BaseException:
            pool.terminate()
            raise
        finally:
            pool.join()
    else:
        records = [simulate_weak_sample(sample, **state) for sample in samples]

    if 'tags' in types:
        write_text_atomic(osp.join(out_dir, TAGS_FILE),
                          _json_per_line({r['id']: r['tags'] for r in records}))
    if 'boxes' in types:
        write_text_atomic(
            osp.join(out_dir, BOXES_FILE),
            _json_per_line({r['id']: r['boxes'] for r in records}))
    for name, kind, _ in outputs:
        if kind == 'points':
            write_text_atomic(
                osp.join(out_dir, points_file_name(name)),
                _json_per_line({r['id']: r['points'][name] for r in records}))

    dense, type_stats = aggregate_weak_label_stats(records, outputs,
                                                   num_classes)
    options = dict(
        types=list(types), box_mode=box_mode,
        scribble_ratios=list(scribble_ratios), num_points=list(num_points),
        partial_fraction=list(partial_fraction), partial_mode=partial_mode,
        min_area=min_area, min_pixels=min_pixels, connectivity=connectivity,
        erosion=erosion, scribble_width=scribble_width,
        point_dilation=point_dilation, interior_ratio=interior_ratio)
    stats = dict(
        config=dict(dataset=dataset, source=source, seed=seed,
                    options=options),
        num_images=len(records), classes=classes,
        unlabeled_index=UNLABELED_INDEX, ignore_index=IGNORE_INDEX,
        dense=dense, types=type_stats)
    stats_json, stats_md = STATS_FILES
    write_text_atomic(osp.join(out_dir, stats_json),
                      json.dumps(stats, indent=1) + '\n')
    write_text_atomic(osp.join(out_dir, stats_md),
                      render_stats_markdown(stats))
    return stats
