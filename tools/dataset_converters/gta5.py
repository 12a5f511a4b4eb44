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
import multiprocessing
import os
import os.path as osp
import sys
import tempfile

import numpy as np
from PIL import Image

OUT_SUFFIX = '_labelTrainIds.png'
_LUT = {}


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
    """Read a single-channel (palette or grey) label PNG as uint8 ids."""
    try:
        with Image.open(path) as img:
            if img.mode not in ('P', 'L'):
                raise ValueError(f'{path}: expected a palette or grey label '
                                 f'PNG of label ids, got mode {img.mode}')
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


def list_tasks(label_dir, out_dir, overwrite=False):
    """``(src, dst)`` pairs for the label PNGs in ``label_dir``."""
    if not osp.isdir(label_dir):
        raise FileNotFoundError(f'{label_dir}: GTA5 label folder not found')
    tasks = []
    for name in sorted(os.listdir(label_dir)):
        if not name.endswith('.png') or name.endswith(OUT_SUFFIX):
            continue
        dst = osp.join(out_dir, name[:-len('.png')] + OUT_SUFFIX)
        if overwrite or not osp.exists(dst):
            tasks.append((osp.join(label_dir, name), dst))
    return tasks


def run_tasks(tasks, lut, nproc):
    """Run ``convert_one`` over ``tasks`` in ``nproc`` processes."""
    if nproc <= 1:
        _init_worker(lut)
        return [convert_one(t) for t in tasks]
    with multiprocessing.Pool(nproc, _init_worker, (lut, )) as pool:
        return list(pool.imap_unordered(convert_one, tasks, chunksize=16))


def main(argv=None):
    """Convert every label of a GTA5 root; returns the number written."""
    args = parse_args(argv)
    from mmlabeleff.datasets._weak_info import lookup_table
    from mmlabeleff.datasets.cityscapes_weak import \
        CITYSCAPES_LABEL_ID_TO_TRAIN_ID
    label_dir = osp.join(args.gta5_root, 'labels')
    out_dir = args.out_dir or label_dir
    tasks = list_tasks(label_dir, out_dir, args.overwrite)
    lut = lookup_table(CITYSCAPES_LABEL_ID_TO_TRAIN_ID)
    done = run_tasks(tasks, lut, args.nproc)
    print(f'{len(done)} label maps written to {out_dir}', file=sys.stderr)
    return len(done)


if __name__ == '__main__':
    main()
