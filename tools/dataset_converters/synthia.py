"""Convert SYNTHIA-RAND-CITYSCAPES labels to Cityscapes train ids.

Usage::

    python tools/dataset_converters/synthia.py data/synthia [--nproc 8]
        [--out-dir DIR] [--overwrite]

Reads ``SYNTHIA_ROOT/GT/LABELS/NNNNNNN.png`` -- 16-bit PNGs whose first
channel holds the SYNTHIA class id (the second the instance id; a
single-channel 16- or 8-bit PNG is read as class ids) -- and writes
``NNNNNNN_labelTrainIds.png`` (8-bit, train ids, 255 void) beside them, or
under ``--out-dir``: the layout :class:`mmlabeleff.datasets.SYNTHIADataset`
reads. The mapping is
:data:`mmlabeleff.datasets.synthia.SYNTHIA_ID_TO_TRAIN_ID`, the 16 classes
shared with Cityscapes (DAFormer / ProDA):

=========  ====================  ========
SYNTHIA    class                 train id
=========  ====================  ========
3          road                  0
4          sidewalk              1
2          building              2
21         wall                  3
5          fence                 4
7          pole                  5
15         traffic light         6
9          traffic sign          7
6          vegetation            8
1          sky                   10
10         pedestrian (person)   11
17         rider                 12
8          car                   13
19         bus                   15
12         motorcycle            17
11         bicycle               18
other      void, parking-slot,   255
           road-work, terrain,
           truck, train,
           lanemarking
=========  ====================  ========

Each file is written atomically (a temporary file in the same folder, then
:func:`os.replace`); existing outputs are skipped unless ``--overwrite``.
"""
import argparse
import os.path as osp
import sys

import cv2

from mmlabeleff.utils.label_remap import (
    list_label_tasks,
    lookup_table,
    remap_label_files,
)

OUT_SUFFIX = '_labelTrainIds.png'


def parse_args(argv=None):
    """Parse command-line arguments."""
    parser = argparse.ArgumentParser(
        description='Convert SYNTHIA-RAND-CITYSCAPES labels (16-bit, class id '
        'in the first channel) to Cityscapes train ids (*_labelTrainIds.png)')
    parser.add_argument('synthia_root', help='SYNTHIA root (with GT/LABELS/)')
    parser.add_argument('--out-dir', default=None,
                        help='output folder (default: SYNTHIA_ROOT/GT/LABELS)')
    parser.add_argument('--nproc', type=int, default=1,
                        help='number of worker processes (default: 1)')
    parser.add_argument('--overwrite', action='store_true',
                        help='rewrite existing outputs')
    return parser.parse_args(argv)


def read_class_ids(path):
    """SYNTHIA class ids of a label PNG: its first channel, or its value.

    OpenCV returns colour channels in BGR(A) order, so the first channel of
    the file is index 2.
    """
    label = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if label is None:
        raise ValueError(f'{path}: cannot read label PNG')
    if label.ndim == 3:
        if label.shape[2] < 3:
            raise ValueError(f'{path}: unexpected {label.shape[2]}-channel '
                             'label PNG')
        label = label[:, :, 2]
    return label


def main(argv=None):
    """Convert every label of a SYNTHIA root; returns the number written."""
    args = parse_args(argv)
    from mmlabeleff.datasets.synthia import SYNTHIA_ID_TO_TRAIN_ID
    label_dir = osp.join(args.synthia_root, 'GT', 'LABELS')
    out_dir = args.out_dir or label_dir
    tasks = list_label_tasks(label_dir, out_dir, OUT_SUFFIX, 'SYNTHIA label',
                             args.overwrite)
    lut = lookup_table(SYNTHIA_ID_TO_TRAIN_ID, size=65536)
    done = remap_label_files(tasks, lut, args.nproc,
                             reader=read_class_ids)
    print(f'{len(done)} label maps written to {out_dir}', file=sys.stderr)
    return len(done)


if __name__ == '__main__':
    main()
