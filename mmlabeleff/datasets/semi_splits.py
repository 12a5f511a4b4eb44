"""Seeded, nested labeled / unlabeled splits for semi-supervised training.

Writes, per split, ``labeled.txt`` and ``unlabeled.txt`` in the
``ann_file`` format of the dataset the split is for (sorted lines):

``voc``
    The classic PASCAL VOC 2012 protocol: 92, 183, 366, 732 and 1,464
    labeled images drawn from VOC ``train`` (1,464 images; the 1,464 split
    is all of it), the rest of ``trainaug`` (10,582 images, see
    ``tools/dataset_converters/voc_aug.py``) unlabeled. Output
    ``<out_dir>/<N>/``, by default ``<VOC2012>/splits/92/labeled.txt``. One
    id of ``ImageSets/Segmentation/*.txt`` per line (``2007_000032``), the
    format of :class:`~mmlabeleff.datasets.VOCWeakDataset` and of the
    published CPS / U2PL / UniMatch split files.
``cityscapes``
    1/16, 1/8, 1/4 and 1/2 of the 2,975 ``train`` images (186, 372, 744,
    1,488: ``round(2975 / d)``, halves rounded up), the rest unlabeled.
    Output ``<out_dir>/1_<d>/``, by default ``<cityscapes>/splits/1_8/...``.
    Ids are ``<city>/<city>_<seq>_<frame>`` from
    ``leftImg8bit/train/<city>/*_leftImg8bit.png``, which mmseg's
    ``CityscapesDataset`` and :class:`~mmlabeleff.datasets.CityscapesWeakDataset`
    read as an ``ann_file``.
``camvid``
    1/8 and 1/4 of the 367 ``train`` images (46 and 92), the rest
    unlabeled. Output ``<out_dir>/1_<d>/``. The lines are those of
    ``<camvid>/splits/train.txt`` (``train/x.png trainannot/x.png``), the
    ``ann_file`` format of :class:`~mmlabeleff.datasets.CamVidDataset`.
    The data folder is usually read-only, so the output folder is given
    explicitly (``data/camvid_semi``, which the CamVid semi-supervised
    configs read as ``ann_file='../camvid_semi/1_8/labeled.txt'`` under
    ``data_root='data/camvid'``).

The entries of the pool are sorted, then permuted once with
``numpy.random.RandomState(seed)`` (whose stream numpy keeps stable across
versions); a split of ``N`` labeled images takes the first ``N`` entries of
the permutation, so the splits are nested (92 in 183 in ... in 1464) and the
same seed always gives the same files. They are not the published CPS /
U2PL lists (which were drawn by other code): compare methods only on
identical files. Every file is written atomically (a temporary file renamed
into place), so an interrupted run leaves no half-written split.
"""
import glob
import math
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from mmlabeleff.utils.atomic_io import write_text_atomic
from mmlabeleff.utils.label_remap import read_id_list

__all__ = [
    'VOC_COUNTS', 'CITYSCAPES_DIVISORS', 'CAMVID_DIVISORS', 'fraction_count',
    'seeded_order', 'make_splits', 'write_splits', 'voc_splits',
    'cityscapes_train_ids', 'cityscapes_splits', 'read_split_pairs',
    'camvid_splits'
]

VOC_COUNTS = (92, 183, 366, 732, 1464)
CITYSCAPES_DIVISORS = (16, 8, 4, 2)
CAMVID_DIVISORS = (8, 4)

Split = Tuple[List[str], List[str]]


def fraction_count(total: int, divisor: int) -> int:
    """``round(total / divisor)`` with halves rounded up (2975/2 -> 1488)."""
    return int(math.floor(total / divisor + 0.5))


def seeded_order(ids: Sequence[str], seed: int) -> List[str]:
    """The sorted unique entries, permuted by ``RandomState(seed)``."""
    ids = sorted(set(ids))
    perm = np.random.RandomState(seed).permutation(len(ids))
    return [ids[i] for i in perm]


def make_splits(labeled_pool: Sequence[str], unlabeled_pool: Sequence[str],
                counts: Sequence[int], seed: int) -> Dict[int, Split]:
    """Nested labeled subsets and their unlabeled complements.

    Args:
        labeled_pool (Sequence[str]): Entries labeled images are drawn from.
        unlabeled_pool (Sequence[str]): Entries of the whole training set;
            ``unlabeled = unlabeled_pool - labeled``.
        counts (Sequence[int]): Labeled set sizes.
        seed (int): Seed of the permutation.

    Returns:
        dict[int, tuple[list[str], list[str]]]: ``count -> (labeled,
        unlabeled)``, both sorted.

    Raises:
        ValueError: A count is not in ``1..len(labeled_pool)``.
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


def write_splits(splits: Dict, out_dir: str,
                 names: Dict) -> List[Tuple[str, int, int]]:
    """Write ``<out_dir>/<names[key]>/{labeled,unlabeled}.txt`` atomically.

    Returns:
        list[tuple[str, int, int]]: ``(folder, labeled, unlabeled)``.
    """
    written = []
    for key, (labeled, unlabeled) in splits.items():
        folder = osp.join(out_dir, names[key])
        for fname, ids in (('labeled.txt', labeled),
                           ('unlabeled.txt', unlabeled)):
            write_text_atomic(osp.join(folder, fname),
                              ''.join(f'{i}\n' for i in ids))
        written.append((folder, len(labeled), len(unlabeled)))
    return written


def _fraction_splits(entries: Sequence[str], divisors: Sequence[int],
                     seed: int, root: str) -> Dict[int, Split]:
    """Splits ``divisor -> (labeled, unlabeled)`` of 1/d of ``entries``."""
    counts = {d: fraction_count(len(entries), d) for d in divisors}
    if any(c == 0 for c in counts.values()):
        raise ValueError(f'{root}: {len(entries)} train images are too few '
                         f'for the fraction 1/{max(divisors)}')
    splits = make_splits(entries, entries, sorted(set(counts.values())), seed)
    return {d: splits[c] for d, c in counts.items()}


def voc_splits(voc_root: str, out_dir: Optional[str] = None,
               counts: Sequence[int] = VOC_COUNTS, seed: int = 0,
               labeled_split: str = 'ImageSets/Segmentation/train.txt',
               unlabeled_split: str = 'ImageSets/Segmentation/trainaug.txt'
               ) -> List[Tuple[str, int, int]]:
    """Write the VOC splits ``<out_dir>/<N>/``.

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


def cityscapes_train_ids(cityscapes_root: str) -> List[str]:
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


def cityscapes_splits(cityscapes_root: str, out_dir: Optional[str] = None,
                      divisors: Sequence[int] = CITYSCAPES_DIVISORS,
                      seed: int = 0) -> List[Tuple[str, int, int]]:
    """Write the Cityscapes splits ``<out_dir>/1_<d>/``.

    ``out_dir`` defaults to ``<cityscapes_root>/splits``.
    """
    ids = cityscapes_train_ids(cityscapes_root)
    splits = _fraction_splits(ids, divisors, seed, cityscapes_root)
    out_dir = out_dir or osp.join(cityscapes_root, 'splits')
    return write_splits(splits, out_dir, {d: f'1_{d}' for d in divisors})


def read_split_pairs(path: str) -> List[str]:
    """The ``"image_path label_path"`` lines of a CamVid-style split file.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: It is not text, lists nothing, or has a line that is not
            two words (the message names the file and line).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: split file not found')
    try:
        with open(path, encoding='utf-8') as f:
            lines = [line.strip() for line in f]
    except UnicodeDecodeError as err:
        raise ValueError(f'{path}: split file is not text ({err})') from err
    pairs = []
    for line_no, line in enumerate(lines, 1):
        if not line:
            continue
        if len(line.split()) != 2:
            raise ValueError(f'{path}:{line_no}: expected "image_path '
                             f'label_path", got {line!r}')
        pairs.append(' '.join(line.split()))
    if not pairs:
        raise ValueError(f'{path}: split file lists no images')
    return pairs


def camvid_splits(camvid_root: str, out_dir: str,
                  divisors: Sequence[int] = CAMVID_DIVISORS, seed: int = 0,
                  train_split: str = 'splits/train.txt'
                  ) -> List[Tuple[str, int, int]]:
    """Write the CamVid splits ``<out_dir>/1_<d>/`` (1/8: 46, 1/4: 92 of 367).

    Args:
        camvid_root (str): The CamVid folder (``splits/train.txt``).
        out_dir (str): Output root, e.g. ``data/camvid_semi`` (the data
            folder itself is often read-only).
        divisors (Sequence[int]): ``d`` of the fractions 1/d.
        seed (int): Seed.
        train_split (str): The training split, relative to ``camvid_root``.

    Returns:
        list[tuple[str, int, int]]: ``(folder, labeled, unlabeled)``.
    """
    pairs = read_split_pairs(osp.join(camvid_root, train_split))
    splits = _fraction_splits(pairs, divisors, seed, camvid_root)
    return write_splits(splits, out_dir, {d: f'1_{d}' for d in divisors})
