"""Rasterise ScribbleSup's PASCAL-Scribble XML files into sparse label PNGs.

ScribbleSup (Lin, Dai, Jia, He and Sun, CVPR 2016) released its scribbles for
PASCAL VOC 2012 and PASCAL-Context as one XML file per image,
``scribble_annotation/pascal_2012/<id>.xml`` and
``scribble_annotation/pascal_context/<id>.xml``. This is the command line of
:func:`mmlabeleff.structures.scribblesup.convert_scribblesup`, whose module
describes the XML format, the class names accepted and the drawing.

- ``--coord-offset -1`` shifts 1-based coordinates; vertices outside the
  image are clipped. ``--skip-unknown`` drops scribbles of unknown class
  names (otherwise an error naming the file).
- The image size comes from the image (``--img-dir``) when given, else from
  ``<size>``.
- ``--dilation d`` dilates each 1-pixel polyline with a ``d`` x ``d``
  elliptic kernel (SPML: 3 for scribbles, 6 for points).
- ``--ratios`` shortens every scribble to that fraction of its arc length,
  centred on its midpoint (SPML's study: 1.0, 0.8, 0.5, 0.3); ratio 0 keeps
  the centre point, SPML's "points" label, and also writes the exact points
  to ``<name>.json`` in the one points-JSON format,
  ``{id: [{"point": [col, row], "point_label": c}, ...]}`` (classes only).

Output: ``OUT_DIR/<name>/<id>.png`` (uint8 grayscale, 254 = unlabeled) per
ratio, named by :mod:`mmlabeleff.structures.weak_label_files`:
``scribbles_r100``, ``scribbles_r080``, ``scribbles_r050``,
``scribbles_r030`` or ``points_r000`` for VOC, prefixed with ``context59_``
/ ``context60_`` for PASCAL-Context (whose ids differ), and suffixed with
``_d<d>`` when ``--dilation`` is not 1. Every file is written atomically (a
temporary file renamed into place).

Usage::

    python tools/dataset_converters/scribblesup.py \\
        data/scribble_annotation/pascal_2012 \\
        data/VOCdevkit/VOC2012/ScribbleSup \\
        --img-dir data/VOCdevkit/VOC2012/JPEGImages \\
        --ratios 1 0.8 0.5 0.3 0 [--dilation 3] [--nproc 4]
"""
import argparse
import sys

from mmlabeleff.structures.scribblesup import SCRIBBLESUP_DATASETS, convert_scribblesup


def parse_args(argv=None):
    """Parse command-line arguments.

    Args:
        argv (list[str], optional): Defaults to ``sys.argv[1:]``.

    Returns:
        argparse.Namespace: The parsed arguments.
    """
    parser = argparse.ArgumentParser(
        description='Rasterise ScribbleSup (PASCAL-Scribble) XML scribbles '
        'into sparse label PNGs (254 = unlabeled).',
        epilog='See the module docstring for the XML format assumed.')
    parser.add_argument('xml_dir', help='folder of <id>.xml, e.g. '
                        'scribble_annotation/pascal_2012')
    parser.add_argument('out_dir', help='parent of the output folders, e.g. '
                        'data/VOCdevkit/VOC2012/ScribbleSup')
    parser.add_argument('--dataset', choices=SCRIBBLESUP_DATASETS,
                        default='voc', help='class ids to write (default: voc)')
    parser.add_argument('--ratios', type=float, nargs='+', default=[1.0],
                        help='scribble length ratios in [0, 1]; 0 = points '
                        '(default: 1)')
    parser.add_argument('--dilation', type=int, default=1,
                        help='stroke diameter in pixels (default: 1; SPML: 3 '
                        'for scribbles, 6 for points)')
    parser.add_argument('--img-dir', help='folder of <id>.jpg, for the sizes')
    parser.add_argument('--split', help='split file: convert only its ids')
    parser.add_argument('--coord-offset', type=float, default=0.0,
                        help='added to X and Y (-1 for 1-based files)')
    parser.add_argument('--skip-unknown', action='store_true',
                        help='drop scribbles of unknown classes')
    parser.add_argument('--nproc', type=int, default=1,
                        help='worker processes (default: 1)')
    args = parser.parse_args(argv)
    if any(not 0 <= r <= 1 for r in args.ratios):
        parser.error('--ratios must lie in [0, 1]')
    if args.dilation < 1:
        parser.error('--dilation must be >= 1')
    return args


def main(argv=None):
    """Run the conversion and print a summary.

    Args:
        argv (list[str], optional): Defaults to ``sys.argv[1:]``.

    Returns:
        int: 0, or 2 after printing the error of a missing or bad input.
    """
    args = parse_args(argv)
    try:
        summary = convert_scribblesup(
            args.xml_dir, args.out_dir, args.dataset, args.ratios,
            args.dilation, args.img_dir, args.split, args.coord_offset,
            args.skip_unknown, args.nproc)
    except (FileNotFoundError, ValueError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    print(f'{summary["images"]} images, {summary["scribbles"]} scribbles'
          f' ({summary["skipped"]} of unknown classes skipped)')
    for name, frac in summary['labeled'].items():
        print(f'  {name}: {100 * frac:.2f} % of pixels labelled')
    for path in summary['outputs']:
        print(f'  wrote {path}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
