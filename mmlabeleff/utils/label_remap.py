"""Label-id remapping and split-file reading shared by datasets and tools.

:func:`lookup_table` builds the ``lut[old] = new`` table that datasets and
converters apply to label maps; :func:`remap_label_files` applies one to many
PNGs (the Cityscapes, GTA5 and SYNTHIA converters under
``tools/dataset_converters``): each source label map is read, every pixel
``v`` replaced by ``lut[v]``, and the result written atomically as a PNG.
:func:`read_id_list` reads the one-id-per-line split files of VOC, SBD,
ScribbleSup and the semi-supervised splits.
"""
import io
import multiprocessing
import os
import os.path as osp
from typing import Optional

import numpy as np
from mmengine import fileio
from PIL import Image

from mmlabeleff.structures.label_convention import IGNORE_INDEX
from .atomic_io import save_png_atomic

# Per-process state of the worker pool (lookup table and reader).
_STATE = {}


def lookup_table(mapping: dict, size: int = 256,
                 fill: int = IGNORE_INDEX) -> np.ndarray:
    """A uint8 look-up table: ``lut[old] = new``, ``fill`` elsewhere.

    Args:
        mapping (dict): Old id to new id.
        size (int): Number of entries (256 for 8-bit maps, 65536 for 16-bit).
        fill (int): Value of ids absent from ``mapping``. Defaults to 255
            (ignore, see :mod:`mmlabeleff.structures.label_convention`).

    Returns:
        np.ndarray: ``(size,)`` uint8 table; apply as ``lut[label_map]``.
    """
    lut = np.full(size, fill, dtype=np.uint8)
    for old, new in mapping.items():
        lut[old] = new
    return lut


def read_id_list(path: str) -> list:
    """Image ids of a split file, one per line (blank lines skipped).

    Args:
        path (str): The split file (e.g. VOC's
            ``ImageSets/Segmentation/train.txt``).

    Returns:
        list[str]: The ids, in file order.

    Raises:
        FileNotFoundError: If ``path`` does not exist (named in the message).
        ValueError: If it cannot be decoded, lists no ids or has a line of
            more than one word (named too).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: split file not found')
    try:
        with open(path, encoding='utf-8') as f:
            ids = [line.strip() for line in f if line.strip()]
    except UnicodeDecodeError as err:
        raise ValueError(f'{path}: split file is not text ({err})') from err
    if not ids:
        raise ValueError(f'{path}: split file lists no images')
    bad = [i for i in ids if len(i.split()) != 1]
    if bad:
        raise ValueError(f'{path}: expected one image id per line, got '
                         f'{bad[0]!r}')
    return ids


def read_label_ids(path: str, what: str = 'label PNG',
                   backend_args: Optional[dict] = None) -> np.ndarray:
    """Read a single-channel (palette or grey) label PNG as uint8 ids.

    The one reader of label PNGs that converters and datasets share (mmseg's
    ``LoadAnnotations`` reads them the same way: the stored index, never
    the palette colour).

    Args:
        path (str): The label PNG.
        what (str): What the file is, for the messages. Defaults to
            ``'label PNG'``.
        backend_args (dict, optional): mmengine file backend arguments.

    Returns:
        np.ndarray: ``(H, W)`` uint8 label ids.

    Raises:
        FileNotFoundError: If the file does not exist (named in the message).
        ValueError: If it cannot be decoded (e.g. truncated) or is not a
            palette or grey image (the message names the file).
    """
    if not fileio.exists(path, backend_args=backend_args):
        raise FileNotFoundError(f'{path}: {what} not found')
    data = fileio.get(path, backend_args=backend_args)
    try:
        with Image.open(io.BytesIO(data)) as img:
            mode = img.mode
            ids = np.array(img, dtype=np.uint8) if mode in ('P', 'L') else None
    except Exception as err:  # PIL raises OSError, SyntaxError, ValueError...
        raise ValueError(f'{path}: cannot read the {what} '
                         f'({type(err).__name__}: {err})') from err
    if ids is None:
        raise ValueError(f'{path}: expected a palette or grey {what} of label '
                         f'ids, got mode {mode}')
    return ids


def _init_worker(lut, reader):
    _STATE['lut'] = lut
    _STATE['reader'] = reader


def _remap_one(task):
    src, dst = task
    save_png_atomic(dst, _STATE['lut'][_STATE['reader'](src)])
    return dst


def remap_label_files(tasks, lut, nproc, reader=read_label_ids):
    """Write ``lut[reader(src)]`` to ``dst`` for every ``(src, dst)`` task.

    Args:
        tasks (Sequence[tuple[str, str]]): ``(src, dst)`` pairs.
        lut (np.ndarray): 1-D lookup table indexed by the source ids.
        nproc (int): Number of worker processes; ``<= 1`` runs in-process.
        reader (Callable[[str], np.ndarray]): Reads the source ids of a
            file. Must be picklable (a module-level function) when
            ``nproc > 1``. Defaults to :func:`read_label_ids`.

    Returns:
        list[str]: The written ``dst`` paths (in completion order when
        ``nproc > 1``).
    """
    if nproc <= 1:
        _init_worker(lut, reader)
        return [_remap_one(t) for t in tasks]
    with multiprocessing.Pool(nproc, _init_worker, (lut, reader)) as pool:
        return list(pool.imap_unordered(_remap_one, tasks, chunksize=16))


def list_label_tasks(label_dir, out_dir, out_suffix, what='label',
                     overwrite=False):
    """``(src, dst)`` pairs for the label PNGs of a folder.

    Args:
        label_dir (str): Folder of source label PNGs.
        out_dir (str): Folder of the converted labels.
        out_suffix (str): Suffix that replaces ``.png`` in the output name;
            source files that already end with it are skipped.
        what (str): Name of the folder in the error message.
        overwrite (bool): Also list outputs that already exist.

    Returns:
        list[tuple[str, str]]: Sorted by file name.

    Raises:
        FileNotFoundError: If ``label_dir`` does not exist.
    """
    if not osp.isdir(label_dir):
        raise FileNotFoundError(f'{label_dir}: {what} folder not found')
    tasks = []
    for name in sorted(os.listdir(label_dir)):
        if not name.endswith('.png') or name.endswith(out_suffix):
            continue
        dst = osp.join(out_dir, name[:-len('.png')] + out_suffix)
        if overwrite or not osp.exists(dst):
            tasks.append((osp.join(label_dir, name), dst))
    return tasks
