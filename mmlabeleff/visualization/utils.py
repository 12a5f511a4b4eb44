"""Helpers of the weak-label visualizer: which labels a sample carries, the
display form of sparse maps, and packed dataset samples as RGB pictures.

Plain functions, not registered; used by
:class:`~mmlabeleff.visualization.WeakSegLocalVisualizer` and by
``tools/misc/browse_dataset.py``.
"""
import os.path as osp
from typing import Iterator, List, Optional, Tuple

import cv2
import numpy as np
import torch

from mmlabeleff.structures import UNLABELED_INDEX

__all__ = [
    'LABEL_TYPES', 'label_types_of', 'sparse_display_map',
    'packed_inputs_to_rgb', 'iter_packed_samples', 'iter_packed_views',
    'build_visualizer_for'
]

#: Label types in drawing order (masks first, then markers, boxes, tags),
#: with the packed fields that carry them (see
#: :mod:`mmlabeleff.structures.label_convention`).
LABEL_TYPES = {
    'dense': ('gt_sem_seg', ),
    'sparse': ('gt_sparse_seg', ),
    'points': ('gt_points', ),
    'boxes': ('gt_instances', 'ignored_instances'),
    'tags': ('gt_image_labels', ),
}


def label_types_of(data_sample) -> List[str]:
    """Name every kind of label a data sample carries.

    ``gt_sem_seg`` -> ``'dense'``, ``gt_sparse_seg`` -> ``'sparse'``,
    ``gt_points`` -> ``'points'``, ``gt_instances`` / ``ignored_instances``
    -> ``'boxes'``, ``gt_image_labels`` -> ``'tags'``. A sample whose
    metainfo says ``supervision='unlabeled'``, or that has none of them, is
    ``['none']``.

    Args:
        data_sample (SegDataSample): A packed sample.

    Returns:
        list[str]: Keys of :data:`LABEL_TYPES` in drawing order, or
        ``['none']``.
    """
    if data_sample.metainfo.get('supervision') == 'unlabeled':
        return ['none']
    types = [
        name for name, fields in LABEL_TYPES.items()
        if any(field in data_sample for field in fields)
    ]
    return types or ['none']


def sparse_display_map(sparse: np.ndarray,
                       num_classes: int,
                       thicken: int = 0) -> np.ndarray:
    """The sparse map as drawn: labels optionally thickened for display.

    Each labelled pixel keeps its class; with ``thicken > 0`` every class is
    also dilated by ``thicken`` pixels (a ``(2 * thicken + 1)`` square) into
    the unlabeled (254) pixels around it, so that 1-px scribbles and points
    are visible in the picture. Labelled and ignored pixels are never
    overwritten. This is for display only: the data are not changed.

    Args:
        sparse (np.ndarray): ``(H, W)`` sparse map (class ids, 254, 255).
        num_classes (int): K; ids ``>= K`` other than 254 are shown as
            ignored.
        thicken (int): Display dilation in pixels. Defaults to 0.

    Returns:
        np.ndarray: ``(H, W)`` int64 map of the same convention.
    """
    shown = np.asarray(sparse).astype(np.int64)  # a copy
    if thicken <= 0:
        return shown
    kernel = np.ones((2 * thicken + 1, 2 * thicken + 1), dtype=np.uint8)
    grown = shown.copy()
    for label in np.unique(shown):
        if label >= num_classes:
            continue
        mask = cv2.dilate((shown == label).astype(np.uint8), kernel) > 0
        grown[mask & (grown == UNLABELED_INDEX)] = label
    return grown


def packed_inputs_to_rgb(inputs: torch.Tensor) -> np.ndarray:
    """Convert a packed ``inputs`` tensor (C, H, W, BGR) to an RGB array.

    Args:
        inputs (torch.Tensor): The image as packed by ``PackSegInputs`` /
            ``PackWeakSegInputs`` (channels first, BGR as read by mmcv).

    Returns:
        np.ndarray: A contiguous (H, W, 3) uint8 RGB image.
    """
    img = inputs.detach().cpu().numpy().transpose(1, 2, 0)
    if img.shape[2] == 1:
        img = np.repeat(img, 3, axis=2)
    img = img[..., 2::-1]  # BGR -> RGB (first three channels)
    if img.dtype != np.uint8:
        img = np.clip(img, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(img)


def iter_packed_samples(dataset, max_num: int
                        ) -> Iterator[Tuple[str, np.ndarray, object]]:
    """Iterate over the first packed samples of a dataset, ready to draw.

    Each item is run through the dataset's pipeline (``dataset[index]``),
    so what is drawn is what the model receives.

    Args:
        dataset (torch.utils.data.Dataset): A dataset whose items are dicts
            with ``inputs`` and ``data_samples`` (``PackSegInputs``).
        max_num (int): How many samples, from the start of the dataset.

    Yields:
        tuple[str, np.ndarray, SegDataSample]: The name
        ``{index:05d}_{image name}`` (image name without extension), the
        RGB image and the packed sample.
    """
    for index in range(min(max_num, len(dataset))):
        item = dataset[index]
        data_sample = item['data_samples']
        img_path = data_sample.metainfo.get('img_path') or str(index)
        stem = osp.splitext(osp.basename(img_path))[0]
        yield (f'{index:05d}_{stem}', packed_inputs_to_rgb(item['inputs']),
               data_sample)


def _sources(dataset) -> list:
    """The datasets a browse walks through: each source of a
    ``ConcatDataset`` (e.g. the labelled and unlabelled sets of a
    semi-supervised config), else ``[dataset]``."""
    return list(getattr(dataset, 'datasets', None) or [dataset])


def iter_packed_views(dataset, max_num: int) -> Iterator[
        Tuple[str, List[Tuple[Optional[str], np.ndarray, object]]]]:
    """Iterate over the first packed samples of each source, every view.

    Like :func:`iter_packed_samples`, with two additions for semi-supervised
    configs:

    - an item of mmdet's ``MultiBranch`` (``inputs`` and ``data_samples``
      are dicts keyed by branch, ``None`` for a branch the source does not
      fill) gives one view per filled branch, in the branch order, all from
      the same draw of the pipeline (so the weak and strong views are
      pixel-aligned, as the model receives them);
    - a ``ConcatDataset`` is browsed source by source: the first
      ``max_num`` samples of each, names prefixed with ``src{k}_``.

    Args:
        dataset (torch.utils.data.Dataset): A dataset whose items are dicts
            with ``inputs`` and ``data_samples``, or a ``ConcatDataset`` of
            such datasets.
        max_num (int): How many samples of each source, from its start.

    Yields:
        tuple[str, list]: The name ``[src{k}_]{index:05d}_{image name}``
        and the views ``(branch, RGB image, packed sample)``; ``branch`` is
        None for a plain (single-branch) item.
    """
    sources = _sources(dataset)
    for k, source in enumerate(sources):
        prefix = f'src{k}_' if len(sources) > 1 else ''
        for index in range(min(max_num, len(source))):
            item = source[index]
            inputs, samples = item['inputs'], item['data_samples']
            if isinstance(inputs, dict):
                views = [(branch, packed_inputs_to_rgb(inputs[branch]),
                          samples[branch]) for branch in inputs
                         if inputs[branch] is not None]
            else:
                views = [(None, packed_inputs_to_rgb(inputs), samples)]
            if not views:
                raise ValueError(f'sample {index} of source {k} fills no '
                                 'branch of its MultiBranch pipeline')
            img_path = views[0][2].metainfo.get('img_path') or str(index)
            stem = osp.splitext(osp.basename(img_path))[0]
            yield f'{prefix}{index:05d}_{stem}', views


def build_visualizer_for(cfg, metainfo: dict, name: str, alpha=None):
    """A config's visualizer for a tool's pictures, set to a dataset's meta.

    The config's ``visualizer`` (``WeakSegLocalVisualizer`` when absent)
    as a separate instance ``name`` without backends (the tools save the
    pictures themselves), with the classes, palette and name of
    ``metainfo``.

    Args:
        cfg (Config): The loaded config.
        metainfo (dict): The dataset's ``metainfo`` (``classes``,
            ``palette``, optionally ``dataset_name``).
        name (str): The instance name (must be new in the process).
        alpha (float, optional): Opacity of dense masks; the visualizer's
            own when None.

    Returns:
        WeakSegLocalVisualizer: The visualizer.
    """
    from mmlabeleff.registry import VISUALIZERS
    vis_cfg = dict(cfg.get('visualizer') or dict(type='WeakSegLocalVisualizer'))
    vis_cfg.update(name=name, vis_backends=None, save_dir=None)
    visualizer = VISUALIZERS.build(vis_cfg)
    visualizer.set_dataset_meta(metainfo['classes'], metainfo['palette'],
                                metainfo.get('dataset_name'))
    if alpha is not None:
        visualizer.alpha = alpha
    return visualizer
