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
import multiprocessing
import os
import os.path as osp
import sys
import tempfile

import numpy as np
from PIL import Image

IN_SUFFIX = '_gtFine_labelIds.png'
OUT_SUFFIX = '_gtFine_labelTrainIds.png'
_LUT = {}


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


def write_png_atomic(path, array):
    """Encode ``array`` as PNG and move it over ``path`` in one step."""
    folder = osp.dirname(path) or '.'
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f'.{osp.basename(path)}.', dir=folder)
    try:
        with os.fdopen(fd, 'wb') as f:
            Image.fromarray(array).save(f, format='PNG')
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.unlink(tmp)
        raise


def read_label_ids(path):
    """Read a single-channel label-id PNG as uint8."""
    try:
        with Image.open(path) as img:
            if img.mode not in ('L', 'P'):
                raise ValueError(f'{path}: expected a single-channel label-id '
                                 f'PNG, got mode {img.mode}')
            return np.array(img, dtype=np.uint8)
    except (OSError, SyntaxError) as err:
        raise ValueError(f'{path}: cannot read label PNG ({err})') from err


def _init_worker(lut):
    _LUT['lut'] = lut


def convert_one(task):
    """Convert one label file; ``task`` is ``(src, dst)``."""
    src, dst = task
    write_png_atomic(dst, _LUT['lut'][read_label_ids(src)])
    return dst


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


def run_tasks(tasks, lut, nproc):
    """Run ``convert_one`` over ``tasks`` in ``nproc`` processes."""
    if nproc <= 1:
        _init_worker(lut)
        return [convert_one(t) for t in tasks]
    with multiprocessing.Pool(nproc, _init_worker, (lut, )) as pool:
        return list(pool.imap_unordered(convert_one, tasks, chunksize=16))


def main(argv=None):
    """Write the missing train-id maps; returns the number written."""
    args = parse_args(argv)
    from mmlabeleff.datasets._weak_info import lookup_table
    from mmlabeleff.datasets.cityscapes_weak import \
        CITYSCAPES_LABEL_ID_TO_TRAIN_ID
    gt_dir = osp.join(args.cityscapes_root, args.gt_dir)
    tasks = list_tasks(gt_dir, args.overwrite)
    lut = lookup_table(CITYSCAPES_LABEL_ID_TO_TRAIN_ID)
    done = run_tasks(tasks, lut, args.nproc)
    print(f'{len(done)} train-id maps written under {gt_dir}', file=sys.stderr)
    return len(done)


if __name__ == '__main__':
    main()
