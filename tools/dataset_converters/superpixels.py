"""Precompute low-level over-segmentations (superpixel maps) for SPML.

Usage::

    python tools/dataset_converters/superpixels.py --dataset camvid \\
        --data-root data/camvid --split train --out-dir data/camvid_superpixels

    python tools/dataset_converters/superpixels.py --dataset folder \\
        --img-dir IMGS --ann-dir ANNS --out-dir OUT

Options: ``--method felzenszwalb|slic`` and its parameters (``--scale``,
``--sigma``, ``--min-size`` / ``--n-segments``, ``--compactness``),
``--overwrite``. A thin command line of
:func:`mmlabeleff.structures.superpixels.write_superpixel_maps`; a dataset
reads the maps with ``superpixel_root`` (see ``configs/spml/README.md``).
"""
import argparse
import sys

from mmlabeleff.structures import list_folder_samples, list_split_samples
from mmlabeleff.structures.superpixels import SUPERPIXEL_METHODS, write_superpixel_maps


def parse_args(argv=None):
    """Parse command-line arguments."""
    parser = argparse.ArgumentParser(
        description='Write one over-segmentation PNG (16-bit ids) per image')
    parser.add_argument('--dataset', choices=('camvid', 'msrc21', 'folder'),
                        default='camvid')
    parser.add_argument('--data-root', default='data/camvid')
    parser.add_argument('--split', default='train')
    parser.add_argument('--img-dir', help='folder dataset: image folder')
    parser.add_argument('--ann-dir', help='folder dataset: label-map folder')
    parser.add_argument('--img-suffix', default='.jpg')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--method', choices=SUPERPIXEL_METHODS,
                        default='felzenszwalb')
    parser.add_argument('--scale', type=float, help='felzenszwalb scale')
    parser.add_argument('--sigma', type=float, help='smoothing sigma')
    parser.add_argument('--min-size', type=int, help='felzenszwalb min size')
    parser.add_argument('--n-segments', type=int, help='slic segments')
    parser.add_argument('--compactness', type=float, help='slic compactness')
    parser.add_argument('--overwrite', action='store_true',
                        help='recompute maps that exist')
    return parser.parse_args(argv)


def main(argv=None):
    """Write the maps and print a one-line summary.

    Returns:
        int: 0, or 2 after printing the error of a missing or bad input.
    """
    args = parse_args(argv)
    try:
        return _run(args)
    except (FileNotFoundError, ValueError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 2


def _run(args):
    if args.dataset == 'folder':
        if not (args.img_dir and args.ann_dir):
            raise ValueError('--dataset folder needs --img-dir and --ann-dir')
        samples = list_folder_samples(args.img_dir, args.ann_dir,
                                      img_suffix=args.img_suffix)
    else:
        samples, _, _ = list_split_samples(args.data_root, args.split,
                                           args.dataset)
    names = dict(felzenszwalb=('scale', 'sigma', 'min_size'),
                 slic=('n_segments', 'compactness', 'sigma'))[args.method]
    params = {k: getattr(args, k) for k in names
              if getattr(args, k) is not None}
    summary = write_superpixel_maps(samples, args.out_dir, args.method, params,
                                    overwrite=args.overwrite)
    print(f'{summary["num_images"]} maps in {args.out_dir}: '
          f'{summary["mean_segments"]:.1f} segments per image '
          f'({summary["min_segments"]}-{summary["max_segments"]}), '
          f'{args.method} {summary["params"]}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
