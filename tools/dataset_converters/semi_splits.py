"""Seeded labeled / unlabeled splits for semi-supervised segmentation.

Writes, per split, ``labeled.txt`` and ``unlabeled.txt`` with one image id
per line (sorted), the format of the published CPS / U2PL / UniMatch split
files:

``voc``
    The classic PASCAL VOC 2012 protocol: 92, 183, 366, 732 and 1,464
    labeled images drawn from VOC ``train`` (1,464 images; the 1,464 split
    is all of it), the rest of ``trainaug`` (10,582 images, see
    ``voc_aug.py``) unlabeled. Output ``OUT_DIR/<N>/``, by default
    ``<VOC2012>/splits/92/labeled.txt`` (an ``ann_file`` relative to the
    dataset's ``data_root``). Ids are those of
    ``ImageSets/Segmentation/*.txt`` (``2007_000032``), the ``ann_file``
    format of :class:`mmlabeleff.datasets.VOCWeakDataset`.
``cityscapes``
    1/16, 1/8, 1/4 and 1/2 of the 2,975 ``train`` images (186, 372, 744,
    1,488: ``round(2975 / d)``, halves rounded up), the rest unlabeled.
    Output ``OUT_DIR/1_<d>/``, by default ``<cityscapes>/splits/1_8/...``
    (the ``labeled_split`` of ``configs/_base_/datasets/cityscapes_weak.py``).
    Ids are ``<city>/<city>_<seq>_<frame>`` from
    ``leftImg8bit/train/<city>/*_leftImg8bit.png``, which mmseg's
    ``CityscapesDataset`` reads as an ``ann_file`` (``img_suffix=
    '_leftImg8bit.png'`` under ``leftImg8bit/train``) and
    ``CityscapesWeakDataset`` too (it keeps the base name).

The ids of the pool are sorted, then permuted once with
``numpy.random.RandomState(seed)`` (whose stream numpy keeps stable across
versions); split ``N`` takes the first ``N`` ids of the permutation, so the
splits are nested (92 in 183 in ... in 1464) and the same seed always gives
the same files. These are not the published CPS / U2PL lists (which were
drawn by other code); compare results across methods only on identical
files. Every file is written atomically (a temporary file renamed into
place).

Usage::

    python tools/dataset_converters/semi_splits.py voc \\
        data/VOCdevkit/VOC2012 [--out-dir data/VOCdevkit/VOC2012/splits] \\
        [--seed 0]
    python tools/dataset_converters/semi_splits.py cityscapes \\
        data/cityscapes [--out-dir data/cityscapes/splits] [--seed 0]
"""
import argparse
import glob
import math
import os
import os.path as osp
import sys

import numpy as np

from mmlabeleff.utils import read_id_list
from mmlabeleff.utils.atomic_io import write_text_atomic

VOC_COUNTS = (92, 183, 366, 732, 1464)
CITYSCAPES_DIVISORS = (16, 8, 4, 2)


def fraction_count(total, divisor):
    """``round(total / divisor)`` with halves rounded up (2975/2 -> 1488)."""
    return int(math.floor(total / divisor + 0.5))


def seeded_order(ids, seed):
    """The sorted unique ids, permuted by ``RandomState(seed)``."""
    ids = sorted(set(ids))
    perm = np.random.RandomState(seed).permutation(len(ids))
    return [ids[i] for i in perm]


def make_splits(labeled_pool, unlabeled_pool, counts, seed):
    """Nested labeled subsets and their unlabeled complements.

    Args:
        labeled_pool (Sequence[str]): Ids labeled images are drawn from.
        unlabeled_pool (Sequence[str]): Ids of the whole training set;
            ``unlabeled = unlabeled_pool - labeled``.
        counts (Sequence[int]): Labeled set sizes.
        seed (int): Seed of the permutation.

    Returns:
        dict[int, tuple[list[str], list[str]]]: ``count -> (labeled,
        unlabeled)``, both sorted.
    """
    order = seeded_order(labeled_pool, seed)
    splits = {}
    for count in counts:
        if not 0 < count <= len(order):
            raise ValueError(f'cannot draw {count} labeled images from a '
                             f'pool of {len(order)}')
        labeled = sorted(order[:count])
        unlabeled = sorted(set(unlabeled_pool) - set(labeled))
        splits[count] = (labeled, unlabeled)
    return splits


def write_splits(splits, out_dir, names):
    """Write ``<out_dir>/<name>/{labeled,unlabeled}.txt`` for each split."""
    written = []
    for key, (labeled, unlabeled) in splits.items():
        folder = osp.join(out_dir, names[key])
        for fname, ids in (('labeled.txt', labeled),
                           ('unlabeled.txt', unlabeled)):
            write_text_atomic(osp.join(folder, fname),
                              ''.join(f'{i}\n' for i in ids))
        written.append((folder, len(labeled), len(unlabeled)))
    return written


def voc_splits(voc_root, out_dir=None, counts=VOC_COUNTS, seed=0,
               labeled_split='ImageSets/Segmentation/train.txt',
               unlabeled_split='ImageSets/Segmentation/trainaug.txt'):
    """Write the VOC splits.

    Args:
        voc_root (str): The ``VOC2012`` folder (split paths relative to it
            unless absolute).
        out_dir (str, optional): Output root. Defaults to
            ``<voc_root>/splits``.
        counts (Sequence[int]): Labeled set sizes.
        seed (int): Seed.
        labeled_split (str): Pool of labeled ids (VOC train).
        unlabeled_split (str): Whole training set (trainaug).

    Returns:
        list[tuple[str, int, int]]: ``(folder, labeled, unlabeled)``.
    """
    def under(path):
        return path if osp.isabs(path) else osp.join(voc_root, path)

    labeled_pool = read_id_list(under(labeled_split))
    unlabeled_pool = read_id_list(under(unlabeled_split))
    splits = make_splits(labeled_pool, unlabeled_pool, counts, seed)
    out_dir = out_dir or osp.join(voc_root, 'splits')
    return write_splits(splits, out_dir, {c: str(c) for c in counts})


def cityscapes_train_ids(cityscapes_root):
    """``<city>/<city>_<seq>_<frame>`` ids of ``leftImg8bit/train``."""
    train_dir = osp.join(cityscapes_root, 'leftImg8bit', 'train')
    if not osp.isdir(train_dir):
        raise FileNotFoundError(f'{train_dir}: Cityscapes train images not '
                                'found')
    suffix = '_leftImg8bit.png'
    files = glob.glob(osp.join(train_dir, '*', '*' + suffix))
    if not files:
        raise ValueError(f'{train_dir}: no */*{suffix} images')
    return sorted(
        osp.relpath(f, train_dir)[:-len(suffix)].replace(os.sep, '/')
        for f in files)


def cityscapes_splits(cityscapes_root, out_dir=None,
                      divisors=CITYSCAPES_DIVISORS, seed=0):
    """Write the Cityscapes splits ``1_<d>`` (see the module docstring).

    ``out_dir`` defaults to ``<cityscapes_root>/splits``.
    """
    ids = cityscapes_train_ids(cityscapes_root)
    counts = {d: fraction_count(len(ids), d) for d in divisors}
    if any(c == 0 for c in counts.values()):
        raise ValueError(f'{cityscapes_root}: {len(ids)} train images are '
                         f'too few for fractions 1/{max(divisors)}')
    splits = make_splits(ids, ids, sorted(set(counts.values())), seed)
    out_dir = out_dir or osp.join(cityscapes_root, 'splits')
    return write_splits({d: splits[c] for d, c in counts.items()}, out_dir,
                        {d: f'1_{d}' for d in divisors})


def parse_args(argv=None):
    """Parse command-line arguments."""
    parser = argparse.ArgumentParser(
        description='Write seeded, nested semi-supervised splits '
        '(<out>/<split>/labeled.txt and unlabeled.txt, one id per line).')
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
    for p in (voc, cs):
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
        else:
            written = cityscapes_splits(args.root, args.out_dir,
                                        args.divisors, args.seed)
    except (FileNotFoundError, ValueError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    for folder, n_lab, n_unl in written:
        print(f'{folder}: {n_lab} labeled, {n_unl} unlabeled '
              f'(seed {args.seed})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
