"""Checks shared by the weak-label datasets (private helpers, not API).

Every weak-label dataset of mmlabeleff emits data infos with the keys of
:mod:`mmlabeleff.structures.label_convention`, and only the annotations its
``supervision`` allows: a ``'tags'`` sample carries ``image_labels`` but no
``seg_map_path``, so a weakly supervised recipe cannot read stronger labels
by accident. A dataset with another ``supervision`` (usually ``'full'``) over
the same images is what evaluates pseudo-labels on the training set.
"""
from typing import Optional, Sequence

import numpy as np
from mmengine import fileio

from mmlabeleff.structures.label_convention import (DOMAINS, IGNORE_INDEX,
                                                    SPARSE_SUPERVISION_TYPES,
                                                    SUPERVISION_TYPES)


def check_supervision(dataset: str, supervision: str,
                      provided: Sequence[str], has_seg_dir: bool,
                      has_sparse_dir: bool) -> None:
    """Raise a clear error for a supervision a dataset cannot provide.

    Args:
        dataset (str): Class name, for the message.
        supervision (str): The requested supervision.
        provided (Sequence[str]): What the dataset's annotations can give.
        has_seg_dir (bool): Whether ``data_prefix['seg_map_path']`` is set
            (needed by ``'full'``).
        has_sparse_dir (bool): Whether ``data_prefix['sparse_map_path']`` is
            set (needed by the sparse supervision types).

    Raises:
        ValueError: Naming the dataset, the supervision and what is missing.
    """
    if supervision not in SUPERVISION_TYPES:
        raise ValueError(f'{dataset}: supervision={supervision!r} is not one '
                         f'of {SUPERVISION_TYPES}')
    if supervision not in provided:
        raise ValueError(f'{dataset}: cannot provide supervision='
                         f'{supervision!r}; its annotations give {provided}')
    if supervision == 'full' and not has_seg_dir:
        raise ValueError(f"{dataset}: supervision='full' needs "
                         "data_prefix['seg_map_path'] (a folder of label PNGs)")
    if supervision in SPARSE_SUPERVISION_TYPES and not has_sparse_dir:
        raise ValueError(f'{dataset}: supervision={supervision!r} needs '
                         "data_prefix['sparse_map_path'] (a folder of sparse "
                         'label PNGs, e.g. written by a weak-label simulator)')


def check_domain(dataset: str, domain: str) -> None:
    """Raise if ``domain`` is not one of :data:`DOMAINS`."""
    if domain not in DOMAINS:
        raise ValueError(f'{dataset}: domain={domain!r} is not one of '
                         f'{DOMAINS}')


def require_file(path: str, what: str, hint: str = '',
                 backend_args: Optional[dict] = None) -> None:
    """Raise :class:`FileNotFoundError` naming ``path`` if it is absent."""
    if not fileio.exists(path, backend_args=backend_args):
        raise FileNotFoundError(f'{path}: {what} not found{hint}')


def lookup_table(mapping: dict, size: int = 256,
                 fill: int = IGNORE_INDEX) -> np.ndarray:
    """A uint8 look-up table: ``lut[old] = new``, ``fill`` elsewhere.

    Args:
        mapping (dict): Old id to new id.
        size (int): Number of entries (256 for 8-bit maps, 65536 for 16-bit).
        fill (int): Value of ids absent from ``mapping``.

    Returns:
        np.ndarray: ``(size,)`` uint8 table; apply as ``lut[label_map]``.
    """
    lut = np.full(size, fill, dtype=np.uint8)
    for old, new in mapping.items():
        lut[old] = new
    return lut
