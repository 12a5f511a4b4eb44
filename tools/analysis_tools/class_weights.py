"""Median-frequency class weights of a folder of label maps, for a config.

Usage::

    python tools/analysis_tools/class_weights.py FOLDER --num-classes K
        [--void-id V] [--suffix .png] [--denominator labelled|image]
        [--decimals 4] [--classes NAME ...] [--out weights.json]

    # the weak labels a run trains on
    python tools/analysis_tools/class_weights.py \\
        data/camvid_weak/scribbles_r100 --num-classes 11
    # dense CamVid masks (raw void id 11), as the reference config measured
    python tools/analysis_tools/class_weights.py data/camvid/trainannot \\
        --num-classes 11 --void-id 11 --denominator image

``weight(c) = median(freq) / freq(c)``, ``freq(c)`` = labelled pixels of
``c`` / labelled pixels (``--denominator image``: all pixels) of the images
that contain ``c`` (Eigen and Fergus, ICCV 2015); 254 (unlabeled), 255
(ignore) and ``--void-id`` are not labelled. Prints a per-class table and,
last, ``class_weight=[...]`` ready to paste into a loss config;
``--out`` also writes the weights and counts as JSON (atomically). A thin
command line of :func:`mmlabeleff.structures.class_weights_from_folder`.
"""
import argparse
import sys

from mmlabeleff.structures import (
    CLASS_WEIGHT_DENOMINATORS,
    IGNORE_INDEX,
    class_weights_from_folder,
)
from mmlabeleff.utils import dump_json_atomic


def parse_args(argv=None):
    """Parse command-line arguments.

    Args:
        argv (list[str], optional): Defaults to ``sys.argv[1:]``.

    Returns:
        argparse.Namespace: The parsed arguments.
    """
    parser = argparse.ArgumentParser(
        description='Median-frequency class weights of a folder of sparse '
        'maps or dense masks')
    parser.add_argument('folder', help='folder of label PNGs (searched '
                        'recursively)')
    parser.add_argument('--num-classes', type=int, required=True,
                        help='number of classes K (ids 0..K-1 are labels)')
    parser.add_argument('--void-id', type=int,
                        help='raw label value that is void (mapped to 255)')
    parser.add_argument('--suffix', default='.png', help='label-map suffix')
    parser.add_argument(
        '--denominator', choices=CLASS_WEIGHT_DENOMINATORS,
        default='labelled',
        help='freq(c) divides by the labelled pixels (default) or all pixels '
        '(image) of the images that contain c')
    parser.add_argument('--decimals', type=int, default=4,
                        help='decimals of the printed weights')
    parser.add_argument('--classes', nargs='+', help='class names (table)')
    parser.add_argument('--out', help='also write the result to this JSON')
    args = parser.parse_args(argv)
    if args.classes and len(args.classes) != args.num_classes:
        parser.error(f'--classes names {len(args.classes)} classes, '
                     f'--num-classes is {args.num_classes}')
    return args


def format_table(result: dict, classes=None) -> str:
    """The per-class counts and weights as a Markdown table.

    Args:
        result (dict): :func:`class_weights_from_folder`'s result.
        classes (list[str], optional): Class names.

    Returns:
        str: The table (no trailing newline).
    """
    lines = ['| class | labelled pixels | images | freq | weight |',
             '|---|---:|---:|---:|---:|']
    for cls in range(result['num_classes']):
        name = f'{cls} {classes[cls]}' if classes else str(cls)
        freq = result['frequencies'][cls]
        lines.append(
            f"| {name} | {result['class_pixels'][cls]} | "
            f"{result['images_with_class'][cls]} | "
            f"{'-' if freq is None else f'{freq:.6f}'} | "
            f"{result['weights'][cls]} |")
    return '\n'.join(lines)


def main(argv=None):
    """Compute, print (and optionally write) the class weights.

    Args:
        argv (list[str], optional): Defaults to ``sys.argv[1:]``.

    Returns:
        int: 0, or 2 after printing the error of a missing or bad input.
    """
    args = parse_args(argv)
    label_map = {} if args.void_id is None else {args.void_id: IGNORE_INDEX}
    try:
        result = class_weights_from_folder(
            args.folder, args.num_classes, label_map=label_map,
            suffix=args.suffix, denominator=args.denominator,
            decimals=args.decimals)
    except (FileNotFoundError, ValueError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    if args.classes:
        result['classes'] = list(args.classes)
    print(f"{args.folder}: {result['num_images']} label maps, "
          f"{result['labelled_pixels']} labelled of "
          f"{result['total_pixels']} pixels; denominator "
          f"{args.denominator}")
    print(format_table(result, args.classes))
    if result['missing']:
        print(f"classes without a labelled pixel (weight 0): "
              f"{result['missing']}")
    if args.out:
        dump_json_atomic(args.out, result, indent=1)
        print(f'wrote {args.out}')
    print(f"class_weight={result['weights']}")
    return 0


if __name__ == '__main__':
    sys.exit(main())
