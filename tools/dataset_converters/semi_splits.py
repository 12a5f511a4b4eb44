"""Seeded, nested labeled / unlabeled splits for semi-supervised segmentation.

Writes ``<out>/<split>/labeled.txt`` and ``unlabeled.txt`` (the logic and
the split sizes are documented in :mod:`mmlabeleff.datasets.semi_splits`):

``voc``         92 / 183 / 366 / 732 / 1,464 labeled of VOC train, the rest
                of trainaug unlabeled (``<VOC2012>/splits/<N>/``);
``cityscapes``  1/16, 1/8, 1/4, 1/2 of train (``<cityscapes>/splits/1_<d>/``);
``camvid``      1/8 and 1/4 of the 367 train images (46, 92), lines of
                ``splits/train.txt`` (``--out-dir``, e.g. data/camvid_semi).

Usage::

    python tools/dataset_converters/semi_splits.py voc \\
        data/VOCdevkit/VOC2012 [--out-dir data/VOCdevkit/VOC2012/splits] \\
        [--seed 0]
    python tools/dataset_converters/semi_splits.py cityscapes \\
        data/cityscapes [--out-dir data/cityscapes/splits] [--seed 0]
    python tools/dataset_converters/semi_splits.py camvid data/camvid \\
        --out-dir data/camvid_semi [--seed 0]
"""
import argparse
import sys

from mmlabeleff.datasets.semi_splits import (  # noqa: F401
    CAMVID_DIVISORS,
    CITYSCAPES_DIVISORS,
    VOC_COUNTS,
    camvid_splits,
    cityscapes_splits,
    fraction_count,
    voc_splits,
)


def parse_args(argv=None):
    """Parse command-line arguments."""
    parser = argparse.ArgumentParser(
        description='Write seeded, nested semi-supervised splits '
        '(<out>/<split>/labeled.txt and unlabeled.txt, the ann_file format '
        'of the dataset).')
    sub = parser.add_subparsers(dest='dataset', required=True)
    voc = sub.add_parser('voc', help='VOC 2012: N labeled from train, rest '
                         'of trainaug unlabeled')
    voc.add_argument('root', help='the VOC2012 folder')
    voc.add_argument('--out-dir', help='default: <root>/splits')
    voc.add_argument('--counts', type=int, nargs='+', default=VOC_COUNTS,
                     help='labeled set sizes (default: 92 183 366 732 1464)')
    voc.add_argument('--labeled-split',
                     default='ImageSets/Segmentation/train.txt',
                     help='pool of labeled ids, relative to root')
    voc.add_argument('--unlabeled-split',
                     default='ImageSets/Segmentation/trainaug.txt',
                     help='whole training set, relative to root')
    cs = sub.add_parser('cityscapes', help='Cityscapes: 1/d of train labeled')
    cs.add_argument('root', help='the Cityscapes folder (leftImg8bit/train)')
    cs.add_argument('--out-dir', help='default: <root>/splits')
    cs.add_argument('--divisors', type=int, nargs='+',
                    default=CITYSCAPES_DIVISORS,
                    help='d of the 1/d fractions (default: 16 8 4 2)')
    cv = sub.add_parser('camvid', help='CamVid: 1/d of the 367 train images '
                        'labeled')
    cv.add_argument('root', help='the CamVid folder (splits/train.txt)')
    cv.add_argument('--out-dir', required=True,
                    help='output root, e.g. data/camvid_semi')
    cv.add_argument('--divisors', type=int, nargs='+',
                    default=CAMVID_DIVISORS,
                    help='d of the 1/d fractions (default: 8 4)')
    for p in (voc, cs, cv):
        p.add_argument('--seed', type=int, default=0, help='(default: 0)')
    args = parser.parse_args(argv)
    values = args.counts if args.dataset == 'voc' else args.divisors
    if any(v < 1 for v in values):
        parser.error('counts and divisors must be >= 1')
    return args


def main(argv=None):
    """Write the splits and print a summary.

    Returns:
        int: The exit status.
    """
    args = parse_args(argv)
    try:
        if args.dataset == 'voc':
            written = voc_splits(args.root, args.out_dir, args.counts,
                                 args.seed, args.labeled_split,
                                 args.unlabeled_split)
        elif args.dataset == 'cityscapes':
            written = cityscapes_splits(args.root, args.out_dir,
                                        args.divisors, args.seed)
        else:
            written = camvid_splits(args.root, args.out_dir, args.divisors,
                                    args.seed)
    except (FileNotFoundError, ValueError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    for folder, n_lab, n_unl in written:
        print(f'{folder}: {n_lab} labeled, {n_unl} unlabeled '
              f'(seed {args.seed})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
