"""The tiny fake datasets of ``tests/data`` and builders shared by the
dataset tests.

Every dataset test builds its dataset the same way (default scope
``mmlabeleff``, no pipeline unless given), compares data infos without
mmengine's ``sample_idx``, writes into a copy of a tiny dataset to break it,
and loads masks through mmseg's plain pipeline; the helpers below do it
once.
"""
import shutil
from pathlib import Path
from typing import Dict, List, Optional, Union

import numpy as np
from PIL import Image

from .script_loader import REPO_ROOT

__all__ = [
    'TEST_DATA', 'TINY_ROOTS', 'BASE_INFO_KEYS', 'PACKED_FIELDS',
    'LABEL_FIELDS', 'CITYSCAPES_TRAIN_ID_STRIPES', 'DENSE_PIPELINE',
    'weak_pipeline', 'build_dataset', 'data_infos', 'copy_tiny',
    'write_truncated_png'
]

#: ``tests/data``: the tiny fake datasets (``make_weak_uda_fake_data.py``,
#: ``make_msrc21_tiny.py`` and the READMEs there say how they were made).
TEST_DATA = REPO_ROOT / 'tests' / 'data'
#: The ``data_root`` of each tiny dataset.
TINY_ROOTS: Dict[str, Path] = dict(
    camvid=TEST_DATA / 'camvid_tiny',
    cityscapes=TEST_DATA / 'cityscapes_tiny',
    coco=TEST_DATA / 'coco_tiny',
    gta5=TEST_DATA / 'gta5_tiny',
    msrc21=TEST_DATA / 'msrc21_tiny',
    synthia=TEST_DATA / 'synthia_tiny',
    voc=TEST_DATA / 'voc_tiny' / 'VOCdevkit' / 'VOC2012',
    pascal_context=TEST_DATA / 'pascal_context_tiny' / 'VOCdevkit' /
    'VOC2010')
#: The keys of every data info of a weak-label dataset (without
#: ``sample_idx``), before its supervision's own keys.
BASE_INFO_KEYS = frozenset({
    'img_path', 'label_map', 'reduce_zero_label', 'seg_fields', 'supervision',
    'domain'
})
#: The label fields ``PackWeakSegInputs`` packs for each supervision.
PACKED_FIELDS: Dict[str, frozenset] = dict(
    full=frozenset({'gt_sem_seg'}),
    tags=frozenset({'gt_image_labels'}),
    boxes=frozenset({'gt_instances'}),
    scribbles=frozenset({'gt_sparse_seg'}),
    points=frozenset({'gt_sparse_seg', 'gt_points'}),
    partial=frozenset({'gt_sparse_seg'}),
    unlabeled=frozenset())
#: Every label field of :data:`PACKED_FIELDS`.
LABEL_FIELDS = frozenset().union(*PACKED_FIELDS.values())
#: Train ids of the 8 vertical stripes of the fake Cityscapes and GTA5 label
#: maps (label ids 7, 26, 0, 33, 9, 23, 31, 22); image ``i`` is rolled by
#: ``i`` stripes (``make_weak_uda_fake_data.py``).
CITYSCAPES_TRAIN_ID_STRIPES = (0, 13, 255, 18, 255, 10, 16, 9)
#: mmseg's plain pipeline: image, dense mask, packed.
DENSE_PIPELINE = (
    dict(type='LoadImageFromFile'),
    dict(type='mmseg.LoadAnnotations'),
    dict(type='mmseg.PackSegInputs'),
)


def weak_pipeline(num_classes: int) -> List[dict]:
    """Image, every weak annotation of the data info, packed."""
    return [
        dict(type='LoadImageFromFile'),
        dict(type='LoadWeakAnnotations', num_classes=num_classes),
        dict(type='PackWeakSegInputs'),
    ]


def build_dataset(cls, root: Union[str, Path, None] = None, **kwargs):
    """Build ``cls`` on ``root`` in the ``mmlabeleff`` scope.

    Args:
        cls (type): The dataset class.
        root (str | Path, optional): ``data_root``; None passes none.
        **kwargs: Constructor arguments; ``pipeline`` defaults to none.

    Returns:
        The dataset.
    """
    from mmengine.registry import init_default_scope
    init_default_scope('mmlabeleff')
    kwargs['pipeline'] = list(kwargs.get('pipeline', ()))
    if root is not None:
        kwargs['data_root'] = str(root)
    return cls(**kwargs)


def data_infos(dataset) -> List[dict]:
    """Every data info of ``dataset``, without ``sample_idx``."""
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    for info in infos:
        info.pop('sample_idx', None)
    return infos


def copy_tiny(name: str, dst: Union[str, Path]) -> Path:
    """Copy the tiny dataset ``name`` of :data:`TINY_ROOTS` to ``dst``.

    Returns:
        Path: ``dst``, a writable ``data_root``.
    """
    dst = Path(dst)
    shutil.copytree(TINY_ROOTS[name], dst)
    return dst


def write_truncated_png(path: Union[str, Path],
                        array: Optional[np.ndarray] = None,
                        keep: float = 0.6) -> Path:
    """Write a PNG and cut it short, as an interrupted copy would.

    Args:
        path (str | Path): The file to write.
        array (np.ndarray, optional): ``(H, W)`` uint8 content; by default a
            64x64 gradient (large enough that the cut lands in pixel data).
        keep (float): Fraction of the bytes kept. Defaults to 0.6.

    Returns:
        Path: ``path``.
    """
    path = Path(path)
    if array is None:
        array = (np.arange(64 * 64) % 251).astype(np.uint8).reshape(64, 64)
    Image.fromarray(array).save(path)
    data = path.read_bytes()
    path.write_bytes(data[:int(len(data) * keep)])
    return path
