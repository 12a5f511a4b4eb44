"""Write Cityscapes ``*_gtFine_labelTrainIds.png`` from ``*_gtFine_labelIds.png``.

Usage::

    python tools/dataset_converters/cityscapes.py data/cityscapes
        [--gt-dir gtFine] [--nproc 8] [--overwrite]

For every ``CITYSCAPES_ROOT/gtFine/<split>/<city>/<id>_gtFine_labelIds.png``
whose ``<id>_gtFine_labelTrainIds.png`` is absent (or always, with
``--overwrite``), maps label ids to the 19 train ids with
:data:`mmlabeleff.datasets.cityscapes_weak.CITYSCAPES_LABEL_ID_TO_TRAIN_ID`
(cityscapesScripts' ``labels.py``; other ids -> 255) and writes the train-id
PNG beside it, atomically (a temporary file, then :func:`os.replace`). Unlike
mmseg's converter it needs neither ``cityscapesscripts`` nor the polygon
JSON files, only the label-id PNGs shipped in ``gtFine_trainvaltest.zip``.
"""
import argparse
import os
import os.path as osp
import sys

from mmlabeleff.utils.label_remap import lookup_table, remap_label_files

IN_SUFFIX = '_gtFine_labelIds.png'
OUT_SUFFIX = '_gtFine_labelTrainIds.png'


def parse_args(argv=None):
    """Parse command-line arguments."""
    parser = argparse.ArgumentParser(
        description='Write Cityscapes *_gtFine_labelTrainIds.png from '
        '*_gtFine_labelIds.png where they are absent')
    parser.add_argument('cityscapes_root', help='Cityscapes root')
    parser.add_argument('--gt-dir', default='gtFine',
                        help='label folder under the root (default: gtFine)')
    parser.add_argument('--nproc', type=int, default=1,
                        help='number of worker processes (default: 1)')
    parser.add_argument('--overwrite', action='store_true',
                        help='rewrite existing *_gtFine_labelTrainIds.png')
    return parser.parse_args(argv)


def list_tasks(gt_dir, overwrite=False):
    """``(src, dst)`` pairs for every label-id PNG under ``gt_dir``."""
    if not osp.isdir(gt_dir):
        raise FileNotFoundError(f'{gt_dir}: Cityscapes label folder not found')
    tasks = []
    for folder, _, names in sorted(os.walk(gt_dir)):
        for name in sorted(names):
            if not name.endswith(IN_SUFFIX):
                continue
            src = osp.join(folder, name)
            dst = src[:-len(IN_SUFFIX)] + OUT_SUFFIX
            if overwrite or not osp.exists(dst):
                tasks.append((src, dst))
    return tasks


def main(argv=None):
    """Write the missing train-id maps; returns the number written."""
    args = parse_args(argv)
    from mmlabeleff.datasets.cityscapes_weak import CITYSCAPES_LABEL_ID_TO_TRAIN_ID
    gt_dir = osp.join(args.cityscapes_root, args.gt_dir)
    tasks = list_tasks(gt_dir, args.overwrite)
    lut = lookup_table(CITYSCAPES_LABEL_ID_TO_TRAIN_ID)
    done = remap_label_files(tasks, lut, args.nproc)
    print(f'{len(done)} train-id maps written under {gt_dir}', file=sys.stderr)
    return len(done)


if __name__ == '__main__':
    main()
