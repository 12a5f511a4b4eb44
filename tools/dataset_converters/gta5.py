"""Convert GTA5 labels (Cityscapes label ids) to Cityscapes train ids.

Usage::

    python tools/dataset_converters/gta5.py data/gta5 [--nproc 8]
        [--out-dir DIR] [--overwrite]

Reads ``GTA5_ROOT/labels/NNNNN.png`` (palette PNGs whose indices are
Cityscapes label ids 0..33) and writes ``NNNNN_labelTrainIds.png`` (8-bit,
train ids 0..18, 255 void) beside them, or under ``--out-dir``: the layout
:class:`mmlabeleff.datasets.GTA5Dataset` reads by default. The mapping is
:data:`mmlabeleff.datasets.cityscapes_weak.CITYSCAPES_LABEL_ID_TO_TRAIN_ID`
(cityscapesScripts' ``labels.py``); any other value becomes 255.

Each file is written atomically (a temporary file in the same folder, then
:func:`os.replace`), so an interrupted run leaves only complete files; files
that already exist are skipped unless ``--overwrite``.
"""
import argparse
import os.path as osp
import sys

from mmlabeleff.utils.label_remap import (
    list_label_tasks,
    lookup_table,
    remap_label_files,
)

OUT_SUFFIX = '_labelTrainIds.png'


def parse_args(argv=None):
    """Parse command-line arguments."""
    parser = argparse.ArgumentParser(
        description='Convert GTA5 labels (Cityscapes label ids) to '
        'Cityscapes train ids (*_labelTrainIds.png)')
    parser.add_argument('gta5_root', help='GTA5 root (with labels/)')
    parser.add_argument('--out-dir', default=None,
                        help='output folder (default: GTA5_ROOT/labels)')
    parser.add_argument('--nproc', type=int, default=1,
                        help='number of worker processes (default: 1)')
    parser.add_argument('--overwrite', action='store_true',
                        help='rewrite existing outputs')
    return parser.parse_args(argv)


def main(argv=None):
    """Convert every label of a GTA5 root; returns the number written."""
    args = parse_args(argv)
    from mmlabeleff.datasets.cityscapes_weak import CITYSCAPES_LABEL_ID_TO_TRAIN_ID
    label_dir = osp.join(args.gta5_root, 'labels')
    out_dir = args.out_dir or label_dir
    tasks = list_label_tasks(label_dir, out_dir, OUT_SUFFIX, 'GTA5 label',
                             args.overwrite)
    lut = lookup_table(CITYSCAPES_LABEL_ID_TO_TRAIN_ID)
    done = remap_label_files(tasks, lut, args.nproc)
    print(f'{len(done)} label maps written to {out_dir}', file=sys.stderr)
    return len(done)


if __name__ == '__main__':
    main()
