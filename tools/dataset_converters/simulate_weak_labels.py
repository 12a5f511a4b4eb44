"""Simulate weak labels (tags, boxes, scribbles, points, partial masks) from the
dense masks of a segmentation dataset, and report what they cover.

Usage::

    python tools/dataset_converters/simulate_weak_labels.py --dataset camvid \\
        --data-root data/camvid --split train --out-dir data/camvid_weak

    python tools/dataset_converters/simulate_weak_labels.py --dataset msrc21 \\
        --data-root data/msrc21 --split train --out-dir data/msrc21_weak

    python tools/dataset_converters/simulate_weak_labels.py --dataset folder \\
        --img-dir IMGS --ann-dir ANNS --num-classes K [--void-id V] \\
        [--img-suffix .jpg] [--seg-map-suffix .png] --out-dir OUT

Options: ``--seed 0``, ``--types tags boxes scribbles points partial`` (all by
default), ``--scribble-ratios 1.0 0.8 0.5 0.3 0.0``, ``--num-points 1``,
``--partial-fraction 0.1``, ``--partial-mode objects|pixels``,
``--box-mode component|class``, ``--min-area 10``, ``--min-pixels 1``,
``--scribble-width 1``, ``--point-dilation 0``, ``--workers 2``; see
``--help``. ``--scribble-width W`` (odd, default 1: a 1-pixel line, as
PASCAL-Scribble's polylines are rasterised for BLPSeg) is the width in
pixels, at the original image size, of the round brush scribbles are drawn
with.

A thin command line of
:func:`mmlabeleff.structures.simulate_weak_labels` (the samples listed by
:func:`~mmlabeleff.structures.list_split_samples` or
:func:`~mmlabeleff.structures.list_folder_samples`); the algorithms are those
of :class:`mmlabeleff.structures.WeakLabelSimulator` (ScribbleSup-style
scribbles, Lin et al. CVPR 2016, shortened as in SPML's scribble-length
study, Ke et al. ICLR 2021). The output layout (``tags.json``,
``boxes.json``, ``scribbles_r100/`` ... ``scribbles_r000/``, ``points_n1/``
and ``points_n1.json``, ``partial_f010/``, ``stats.json`` and ``stats.md``;
IMAGEID is the file stem of the label map, for ``--dataset folder`` its path
under ``--ann-dir`` without suffix) and the statistics are described in
:mod:`mmlabeleff.structures.weak_label_simulation` and
:mod:`mmlabeleff.structures.weak_label_stats`; folder names follow
:mod:`mmlabeleff.structures.weak_label_files` (scribbles drawn wider than
1 px get ``_w<width>``, e.g. ``scribbles_r100_w3``; dilated points get
``_d<radius>``).

Every file is written atomically, and a re-run with the same arguments and
seed writes byte-identical files, whatever ``--workers``.
"""
import argparse
import sys
import time

from mmlabeleff.structures import (
    IGNORE_INDEX,
    SPLIT_DATASETS,
    WEAK_LABEL_TYPES,
    format_percent,
    list_folder_samples,
    list_split_samples,
    simulate_weak_labels,
)


def parse_args(argv=None):
    """Parse command-line arguments.

    Args:
        argv (list[str], optional): Defaults to ``sys.argv[1:]``.

    Returns:
        argparse.Namespace: The parsed arguments.
    """
    parser = argparse.ArgumentParser(
        description='Simulate weak labels from dense masks, with a report')
    parser.add_argument('--dataset', choices=(*SPLIT_DATASETS, 'folder'),
                        default='camvid', help='input layout')
    parser.add_argument('--data-root', default='data/camvid',
                        help='CamVid / MSRC-21 root (with splits/SPLIT.txt)')
    parser.add_argument('--split', default='train',
                        help='CamVid / MSRC-21 split')
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
    parser.add_argument('--types', nargs='+', choices=WEAK_LABEL_TYPES,
                        default=list(WEAK_LABEL_TYPES), help='label types to write')
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
    parser.add_argument(
        '--scribble-width', type=int, default=1,
        help='brush width in px of the scribbles, at the original image '
        'size, odd; 1 draws a 1-pixel line (folders get _w<width> above 1)')
    parser.add_argument('--point-dilation', type=int, default=0,
                        help='point dilation radius in px (SPML: 6)')
    parser.add_argument('--interior-ratio', type=float, default=0.5,
                        help='points: minimum depth as a fraction of the max')
    parser.add_argument('--workers', type=int, default=2,
                        help='worker processes (0 or 1: none)')
    return parser.parse_args(argv)


def run(args):
    """Simulate the weak labels that ``args`` ask for.

    Args:
        args (argparse.Namespace): The result of :func:`parse_args`.

    Returns:
        dict: The statistics (as in ``stats.json``).

    Raises:
        FileNotFoundError: Naming a missing folder or file.
        ValueError: For bad options or a bad label map (naming the file).
    """
    if args.dataset in SPLIT_DATASETS:
        samples, classes, label_map = list_split_samples(
            args.data_root, args.split, args.dataset)
        num_classes = len(classes)
        source = f'{args.data_root}, split {args.split}'
    else:
        if args.num_classes is None:
            raise ValueError('--dataset folder needs --num-classes')
        samples = list_folder_samples(args.img_dir, args.ann_dir,
                                      args.img_suffix, args.seg_map_suffix)
        num_classes, classes = args.num_classes, args.classes
        label_map = {} if args.void_id is None else {args.void_id: IGNORE_INDEX}
        source = f'{args.img_dir}, {args.ann_dir}'
    return simulate_weak_labels(
        samples, args.out_dir, num_classes, classes=classes,
        label_map=label_map, types=args.types, seed=args.seed,
        scribble_ratios=args.scribble_ratios, num_points=args.num_points,
        partial_fraction=args.partial_fraction,
        partial_mode=args.partial_mode, box_mode=args.box_mode,
        min_area=args.min_area, min_pixels=args.min_pixels,
        connectivity=args.connectivity, erosion=args.erosion,
        scribble_width=args.scribble_width,
        point_dilation=args.point_dilation,
        interior_ratio=args.interior_ratio, workers=args.workers,
        dataset=args.dataset, source=source)


def main(argv=None):
    """Write the weak labels and the report, and print a summary.

    Args:
        argv (list[str], optional): Defaults to ``sys.argv[1:]``.

    Returns:
        int: 0, or 2 after printing the error of a missing or bad input.
    """
    args = parse_args(argv)
    start = time.perf_counter()
    try:
        stats = run(args)
    except (FileNotFoundError, ValueError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - start
    print(f"Wrote weak labels of {stats['num_images']} images to "
          f'{args.out_dir} in {elapsed:.1f} s')
    objects = stats['dense']['objects']
    for name, entry in stats['types'].items():
        labeled = format_percent(entry['labeled_pixel_fraction'], 3)
        print(f'  {name:16s} labeled {labeled:>7s} % of pixels; objects '
              f"without label {entry['objects_without_label']}/{objects}")
    return 0


if __name__ == '__main__':
    sys.exit(main())
