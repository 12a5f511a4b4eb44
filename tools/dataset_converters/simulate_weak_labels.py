"""Simulate weak labels (tags, boxes, scribbles, points, partial masks) from the
dense masks of a segmentation dataset, and report what they cover.

Usage::

    python tools/dataset_converters/simulate_weak_labels.py --dataset camvid \\
        --data-root data/camvid --split train --out-dir data/camvid_weak

    python tools/dataset_converters/simulate_weak_labels.py --dataset folder \\
        --img-dir IMGS --ann-dir ANNS --num-classes K [--void-id V] \\
        [--img-suffix .jpg] [--seg-map-suffix .png] --out-dir OUT

Options: ``--seed 0``, ``--types tags boxes scribbles points partial`` (all by
default), ``--scribble-ratios 1.0 0.8 0.5 0.3 0.0``, ``--num-points 1``,
``--partial-fraction 0.1``, ``--partial-mode objects|pixels``,
``--box-mode component|class``, ``--min-area 10``, ``--min-pixels 1``,
``--scribble-dilation 0``, ``--point-dilation 0``, ``--workers 2``; see
``--help``. The algorithms are those of
:class:`mmlabeleff.structures.WeakLabelSimulator` (ScribbleSup-style
scribbles, Lin et al. CVPR 2016, shortened as in SPML's scribble-length
study, Ke et al. ICLR 2021).

Output layout under ``--out-dir`` (IMAGEID is the file stem of the label map;
for ``--dataset folder`` its path under ``--ann-dir`` without suffix)::

    tags.json                {IMAGEID: [class ids]}
    boxes.json               {IMAGEID: [{bbox: [x1, y1, x2, y2],
                                         bbox_label, ignore_flag}]}
                             pixel-edge boxes, x2 / y2 exclusive
    scribbles_r100/IMAGEID.png   sparse maps for each --scribble-ratios entry
    scribbles_r080/ ... scribbles_r000/   (r000: one point per object)
    points_n1/IMAGEID.png    sparse map, one per --num-points entry
    points_n1.json           {IMAGEID: [{point: [x, y], point_label}]}
                             x = column, y = row of the labelled pixel
    partial_f010/IMAGEID.png partial masks, one per --partial-fraction entry
                             (partial_px_f010/ with --partial-mode pixels)
    stats.json, stats.md     the statistics report

Sparse maps are single-channel 8-bit PNGs in the convention of
:mod:`mmlabeleff.structures.label_convention`: class ids, 254 = unlabeled,
255 = void. The report gives, for each label type: the labeled-pixel fraction
of each class (pixels of class c that carry label c / pixels of class c in the
dense masks; for tags, the pixels of tagged classes; for boxes, the pixels of
class c inside a box of class c), the overall labeled fraction (of the
non-void pixels), the number of objects (connected components of a class in
the dense masks, all sizes) per class and how many got no label at all, the
images without any label, and labels (boxes, tags, points) per image.

Every file is written atomically (a temporary file in the same folder, then
:func:`os.replace`), and a re-run with the same arguments and seed writes
byte-identical files, whatever ``--workers`` (each image's labels depend only
on the seed and its IMAGEID). Files of images that are no longer listed are
not removed.
"""
import argparse
import io
import json
import multiprocessing
import os
import os.path as osp
import sys
import time

import numpy as np
from PIL import Image

from mmlabeleff.structures import (IGNORE_INDEX, UNLABELED_INDEX,
                                   WeakLabelSimulator, check_label_map)
from mmlabeleff.utils.atomic_io import write_bytes_atomic, write_text_atomic

ALL_TYPES = ('tags', 'boxes', 'scribbles', 'points', 'partial')

# The state of a worker process, set by ``_init_worker``.
_WORKER = {}


def parse_args(argv=None):
    """Parse command-line arguments.

    Args:
        argv (list[str], optional): Defaults to ``sys.argv[1:]``.

    Returns:
        argparse.Namespace: The parsed arguments.
    """
    parser = argparse.ArgumentParser(
        description='Simulate weak labels from dense masks, with a report')
    parser.add_argument('--dataset', choices=('camvid', 'folder'),
                        default='camvid', help='input layout')
    parser.add_argument('--data-root', default='data/camvid',
                        help='CamVid root (with splits/SPLIT.txt)')
    parser.add_argument('--split', default='train', help='CamVid split')
    parser.add_argument('--img-dir', help='folder dataset: image folder')
    parser.add_argument('--ann-dir', help='folder dataset: label-map folder')
    parser.add_argument('--img-suffix', default='.jpg',
                        help='folder dataset: image file suffix')
    parser.add_argument('--seg-map-suffix', default='.png',
                        help='folder dataset: label-map file suffix')
    parser.add_argument('--num-classes', type=int,
                        help='folder dataset: number of classes K')
    parser.add_argument('--void-id', type=int,
                        help='folder dataset: label value mapped to 255')
    parser.add_argument('--classes', nargs='+',
                        help='folder dataset: class names for the report')
    parser.add_argument('--out-dir', default='data/camvid_weak')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--types', nargs='+', choices=ALL_TYPES,
                        default=list(ALL_TYPES), help='label types to write')
    parser.add_argument('--scribble-ratios', nargs='+', type=float,
                        default=[1.0, 0.8, 0.5, 0.3, 0.0],
                        help='fractions of the scribble length kept (SPML)')
    parser.add_argument('--num-points', nargs='+', type=int, default=[1],
                        help='points per object')
    parser.add_argument('--partial-fraction', nargs='+', type=float,
                        default=[0.1], help='fraction of objects/pixels kept')
    parser.add_argument('--partial-mode', choices=('objects', 'pixels'),
                        default='objects')
    parser.add_argument('--box-mode', choices=('component', 'class'),
                        default='component')
    parser.add_argument(
        '--min-area', type=int, default=10,
        help='objects of fewer pixels get no box, scribble, point or partial '
        'label (label-noise specks); 0 keeps all')
    parser.add_argument('--min-pixels', type=int, default=1,
                        help='a class tags an image from this many pixels')
    parser.add_argument('--connectivity', type=int, choices=(4, 8), default=8)
    parser.add_argument('--erosion', type=int, default=1,
                        help='3x3 erosions before skeletonizing')
    parser.add_argument('--scribble-dilation', type=int, default=0,
                        help='scribble dilation radius in px (SPML: 3)')
    parser.add_argument('--point-dilation', type=int, default=0,
                        help='point dilation radius in px (SPML: 6)')
    parser.add_argument('--interior-ratio', type=float, default=0.5,
                        help='points: minimum depth as a fraction of the max')
    parser.add_argument('--workers', type=int, default=2,
                        help='worker processes (0 or 1: none)')
    return parser.parse_args(argv)


# ------------------------------------------------------------------ inputs
def list_camvid(data_root, split):
    """The samples of a CamVid split, read by :class:`CamVidDataset`.

    Returns:
        tuple: ``(samples, classes, label_map)``; each sample a dict with
        ``id``, ``img_path``, ``seg_map_path``.
    """
    from mmlabeleff.datasets import CamVidDataset
    dataset = CamVidDataset(data_root=data_root,
                            ann_file=f'splits/{split}.txt', pipeline=[],
                            serialize_data=False)
    samples = []
    label_map = {}
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        label_map = info['label_map']
        samples.append(
            dict(id=osp.splitext(osp.basename(info['seg_map_path']))[0],
                 img_path=info['img_path'], seg_map_path=info['seg_map_path']))
    return samples, list(dataset.metainfo['classes']), dict(label_map)


def list_folder(img_dir, ann_dir, img_suffix, seg_map_suffix):
    """The samples of an mmseg-style folder dataset (images listed
    recursively, each with a label map of the same relative stem).

    Raises:
        FileNotFoundError: If a folder or a label map is missing, or no
            image is found.
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


def load_mask(sample, num_classes, label_map):
    """Read a dense label map, map its void value(s) to 255 and check it.

    Raises:
        FileNotFoundError: Naming a missing image or label map.
        ValueError: Naming the file, for an unreadable or multi-channel map,
            an image / label size mismatch, or values outside the classes.
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
    for old, new in label_map.items():
        mask[raw == old] = new
    check_label_map(mask, num_classes, seg_path)
    return mask.astype(np.uint8)


# ----------------------------------------------------------------- outputs
def png_bytes(array):
    """Encode a uint8 ``(H, W)`` map as a grayscale PNG (deterministic)."""
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(array, dtype=np.uint8),
                    mode='L').save(buffer, format='PNG')
    return buffer.getvalue()


def json_per_line(mapping):
    """A JSON object with one ``"key": value`` entry per line."""
    lines = [f'{json.dumps(key)}: {json.dumps(value, separators=(",", ":"))}'
             for key, value in mapping.items()]
    return '{\n' + ',\n'.join(lines) + '\n}\n' if lines else '{}\n'


def ratio_tag(value):
    """0.8 -> '080', 1.0 -> '100'."""
    return f'{int(round(value * 100)):03d}'


def output_names(args):
    """The label types to produce, as ``(name, kind, parameter)``."""
    names = []
    if 'tags' in args.types:
        names.append(('tags', 'tags', None))
    if 'boxes' in args.types:
        names.append(('boxes', 'boxes', args.box_mode))
    if 'scribbles' in args.types:
        names += [(f'scribbles_r{ratio_tag(r)}', 'scribbles', r)
                  for r in args.scribble_ratios]
    if 'points' in args.types:
        names += [(f'points_n{n}', 'points', n) for n in args.num_points]
    if 'partial' in args.types:
        prefix = 'partial_f' if args.partial_mode == 'objects' else 'partial_px_f'
        names += [(f'{prefix}{ratio_tag(f)}', 'partial', f)
                  for f in args.partial_fraction]
    seen = [name for name, _, _ in names]
    duplicates = sorted({name for name in seen if seen.count(name) > 1})
    if duplicates:
        raise ValueError(f'options give the same output twice: {duplicates}')
    return names


# ------------------------------------------------------------- per image
def _coverage(labeled, mask, objs, num_classes):
    """Counts of one label type on one image.

    Args:
        labeled (np.ndarray): ``(H, W)`` bool, pixels that carry their own
            class (always a subset of the non-void pixels).
        mask (np.ndarray): Dense mask.
        objs (dict): :meth:`WeakLabelSimulator.objects` of ``mask``.
        num_classes (int): K.

    Returns:
        dict: ``labeled_pixels`` (K,), ``objects_without_label`` (K,),
        ``any_label`` (bool).
    """
    labeled_pixels = np.bincount(mask[labeled].astype(np.int64),
                                 minlength=num_classes)
    num_objects = len(objs['labels'])
    hit = np.bincount(objs['object_map'][labeled], minlength=num_objects + 1)
    missed = objs['labels'][hit[1:] == 0]
    return dict(
        labeled_pixels=labeled_pixels[:num_classes].tolist(),
        objects_without_label=np.bincount(
            missed, minlength=num_classes)[:num_classes].tolist(),
        any_label=bool(labeled.any()))


def _init_worker(state):
    _WORKER.clear()
    _WORKER.update(state)


def process_sample(sample):
    """Simulate, write and count the weak labels of one image.

    Uses the worker state (``simulator``, ``num_classes``, ``label_map``,
    ``out_dir``, ``names``, ``partial_mode``).

    Returns:
        dict: ``id``, ``tags``, ``boxes``, ``points`` ({name: list}),
        ``dense`` counts and ``types`` ({name: counts}).
    """
    sim = _WORKER['simulator']
    num_classes = _WORKER['num_classes']
    out_dir = _WORKER['out_dir']
    key = sample['id']
    mask = load_mask(sample, num_classes, _WORKER['label_map'])
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
    names = _WORKER['names']
    ratios = [param for _, kind, param in names if kind == 'scribbles']
    scribbles = iter(sim.scribbles(mask, ratios, key=key) if ratios else [])
    for name, kind, param in names:
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
                sparse = sim.partial(mask, fraction=param,
                                     mode=_WORKER['partial_mode'], key=key)
                counts = {}
            write_bytes_atomic(osp.join(out_dir, name, key + '.png'),
                               png_bytes(sparse))
            labeled = sparse < num_classes
        counts.update(_coverage(labeled, mask, objs, num_classes))
        record['types'][name] = counts
    return record


# ------------------------------------------------------------- statistics
def _fraction(num, den):
    return round(float(num) / den, 6) if den else None


def aggregate(records, names, num_classes):
    """Sum the per-image counts into the report's numbers."""
    pixels = np.zeros(num_classes, dtype=np.int64)
    objects = np.zeros(num_classes, dtype=np.int64)
    void = total = kept = 0
    for rec in records:
        kept += rec['dense']['objects_kept']
        pixels += rec['dense']['pixels']
        objects += rec['dense']['objects']
        void += rec['dense']['void_pixels']
        total += rec['dense']['total_pixels']
    dense = dict(total_pixels=int(total), void_pixels=int(void),
                 pixels_per_class=pixels.tolist(),
                 objects_per_class=objects.tolist(),
                 objects=int(objects.sum()),
                 objects_kept=int(kept),
                 objects_per_image=_fraction(objects.sum(), len(records)))
    types = {}
    for name, kind, param in names:
        labeled = np.zeros(num_classes, dtype=np.int64)
        missed = np.zeros(num_classes, dtype=np.int64)
        empty = 0
        per_image = []
        for rec in records:
            counts = rec['types'][name]
            labeled += counts['labeled_pixels']
            missed += counts['objects_without_label']
            empty += not counts['any_label']
            if 'count' in counts:
                per_image.append(counts['count'])
        entry = dict(
            kind=kind, parameter=param,
            labeled_pixels_per_class=labeled.tolist(),
            labeled_pixel_fraction_per_class=[
                _fraction(n, d) for n, d in zip(labeled, pixels)],
            labeled_pixels=int(labeled.sum()),
            labeled_pixel_fraction=_fraction(labeled.sum(), pixels.sum()),
            objects_without_label_per_class=missed.tolist(),
            objects_without_label=int(missed.sum()),
            objects_without_label_fraction=_fraction(missed.sum(),
                                                     objects.sum()),
            images_without_label=int(empty))
        if per_image:
            label = dict(tags='tags', boxes='boxes', points='points')[kind]
            entry[f'{label}_per_image'] = dict(
                mean=_fraction(sum(per_image), len(per_image)),
                min=int(min(per_image)), max=int(max(per_image)),
                total=int(sum(per_image)))
        if kind == 'boxes':
            per_class = np.zeros(num_classes, dtype=np.int64)
            for rec in records:
                per_class += rec['types'][name]['per_class']
            entry['boxes_per_class'] = per_class.tolist()
        types[name] = entry
    return dense, types


def _pct(value, digits=2):
    return '-' if value is None else f'{100 * value:.{digits}f}'


def render_markdown(stats):
    """The report as a Markdown page."""
    cfg = stats['config']
    dense = stats['dense']
    classes = stats['classes']
    types = stats['types']
    lines = [
        '# Simulated weak labels: statistics', '',
        f"Dataset `{cfg['dataset']}` ({cfg['source']}), "
        f"{stats['num_images']} images, {len(classes)} classes, "
        f"seed {cfg['seed']}; generated by "
        '`tools/dataset_converters/simulate_weak_labels.py`.', '',
        'Options: ' + ', '.join(f'{k}={v}' for k, v in cfg['options'].items())
        + '.', '',
        f"Dense masks: {dense['total_pixels']} pixels, "
        f"{dense['void_pixels']} void "
        f"({_pct(_fraction(dense['void_pixels'], dense['total_pixels']))} %); "
        f"{dense['objects']} objects (connected components of a class), "
        f"{dense['objects_per_image']:.1f} per image; "
        f"{cfg['options']['min_area']} px or more: {dense['objects_kept']} "
        '(only these get boxes, scribbles, points, partial labels).', '',
        'Labeled fraction: labeled pixels / non-void pixels (for tags: pixels '
        'of tagged classes; for boxes: pixels of class c inside a box of '
        'class c). An object without label has not one labeled pixel.', '',
        '## Summary', '',
        '| label type | labeled pixels (%) | objects without label '
        '| objects without label (%) | images without label | per image |',
        '|---|---:|---:|---:|---:|---:|',
    ]
    for name, entry in types.items():
        per_image = next((f"{v['mean']:.2f} {k.split('_')[0]}"
                          for k, v in entry.items() if k.endswith('_per_image')),
                         '')
        lines.append(
            f"| {name} | {_pct(entry['labeled_pixel_fraction'], 3)} "
            f"| {entry['objects_without_label']} / {dense['objects']} "
            f"| {_pct(entry['objects_without_label_fraction'], 1)} "
            f"| {entry['images_without_label']} | {per_image} |")
    header = '| class | pixels (%) | objects | ' + ' | '.join(types) + ' |'
    rule = '|---|---:|---:|' + '---:|' * len(types)
    lines += ['', '## Labeled-pixel fraction per class (%)', '',
              'Labeled pixels of class c / pixels of class c.', '', header,
              rule]
    for cls, name in enumerate(classes):
        share = _fraction(dense['pixels_per_class'][cls],
                          dense['total_pixels'] - dense['void_pixels'])
        cells = [_pct(t['labeled_pixel_fraction_per_class'][cls], 3)
                 for t in types.values()]
        lines.append(f"| {cls} {name} | {_pct(share)} "
                     f"| {dense['objects_per_class'][cls]} | "
                     + ' | '.join(cells) + ' |')
    lines += ['', '## Objects without any label, per class', '', header, rule]
    for cls, name in enumerate(classes):
        share = _fraction(dense['pixels_per_class'][cls],
                          dense['total_pixels'] - dense['void_pixels'])
        cells = [str(t['objects_without_label_per_class'][cls])
                 for t in types.values()]
        lines.append(f"| {cls} {name} | {_pct(share)} "
                     f"| {dense['objects_per_class'][cls]} | "
                     + ' | '.join(cells) + ' |')
    return '\n'.join(lines) + '\n'


# ------------------------------------------------------------------ driver
def simulate(args):
    """Write the weak labels and the report of ``args`` (see
    :func:`parse_args`).

    Returns:
        dict: The statistics (as in ``stats.json``).
    """
    if args.dataset == 'camvid':
        samples, classes, label_map = list_camvid(args.data_root, args.split)
        num_classes = len(classes)
        source = f'{args.data_root}, split {args.split}'
    else:
        if args.num_classes is None:
            raise ValueError('--dataset folder needs --num-classes')
        samples = list_folder(args.img_dir, args.ann_dir, args.img_suffix,
                              args.seg_map_suffix)
        num_classes = args.num_classes
        classes = list(args.classes or [f'class_{i}' for i in range(num_classes)])
        if len(classes) != num_classes:
            raise ValueError(f'--classes names {len(classes)} classes, '
                             f'--num-classes is {num_classes}')
        label_map = {} if args.void_id is None else {args.void_id: IGNORE_INDEX}
        source = f'{args.img_dir}, {args.ann_dir}'
    ids = [s['id'] for s in samples]
    if len(set(ids)) != len(ids):
        dup = sorted({i for i in ids if ids.count(i) > 1})
        raise ValueError(f'image ids (label-map stems) are not unique: {dup[:5]}')
    names = output_names(args)
    simulator = WeakLabelSimulator(
        num_classes, seed=args.seed, connectivity=args.connectivity,
        min_pixels=args.min_pixels, min_area=args.min_area,
        erosion=args.erosion, scribble_dilation=args.scribble_dilation,
        point_dilation=args.point_dilation, interior_ratio=args.interior_ratio)
    state = dict(simulator=simulator, num_classes=num_classes,
                 label_map=label_map, out_dir=args.out_dir, names=names,
                 partial_mode=args.partial_mode)
    os.makedirs(args.out_dir, exist_ok=True)
    if args.workers > 1 and len(samples) > 1:
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context(
            'fork' if 'fork' in methods else None)
        with context.Pool(min(args.workers, len(samples)), _init_worker,
                          (state, )) as pool:
            records = list(pool.imap(process_sample, samples, chunksize=4))
    else:
        _init_worker(state)
        records = [process_sample(sample) for sample in samples]

    if 'tags' in args.types:
        write_text_atomic(osp.join(args.out_dir, 'tags.json'),
                          json_per_line({r['id']: r['tags'] for r in records}))
    if 'boxes' in args.types:
        write_text_atomic(osp.join(args.out_dir, 'boxes.json'),
                          json_per_line({r['id']: r['boxes'] for r in records}))
    for name, kind, _ in names:
        if kind == 'points':
            write_text_atomic(
                osp.join(args.out_dir, f'{name}.json'),
                json_per_line({r['id']: r['points'][name] for r in records}))

    dense, types = aggregate(records, names, num_classes)
    options = dict(
        types=list(args.types), box_mode=args.box_mode,
        scribble_ratios=list(args.scribble_ratios),
        num_points=list(args.num_points),
        partial_fraction=list(args.partial_fraction),
        partial_mode=args.partial_mode, min_area=args.min_area,
        min_pixels=args.min_pixels, connectivity=args.connectivity,
        erosion=args.erosion, scribble_dilation=args.scribble_dilation,
        point_dilation=args.point_dilation,
        interior_ratio=args.interior_ratio)
    stats = dict(
        config=dict(dataset=args.dataset, source=source, seed=args.seed,
                    options=options),
        num_images=len(records), classes=classes,
        unlabeled_index=UNLABELED_INDEX, ignore_index=IGNORE_INDEX,
        dense=dense, types=types)
    write_text_atomic(osp.join(args.out_dir, 'stats.json'),
                      json.dumps(stats, indent=1) + '\n')
    write_text_atomic(osp.join(args.out_dir, 'stats.md'),
                      render_markdown(stats))
    return stats


def main(argv=None):
    """Command-line entry point."""
    args = parse_args(argv)
    start = time.perf_counter()
    stats = simulate(args)
    elapsed = time.perf_counter() - start
    print(f"Wrote weak labels of {stats['num_images']} images to "
          f'{args.out_dir} in {elapsed:.1f} s')
    for name, entry in stats['types'].items():
        print(f"  {name:16s} labeled {_pct(entry['labeled_pixel_fraction'], 3):>7s}"
              f" % of pixels; objects without label "
              f"{entry['objects_without_label']}/{stats['dense']['objects']}")
    return 0


if __name__ == '__main__':
    sys.exit(main())
