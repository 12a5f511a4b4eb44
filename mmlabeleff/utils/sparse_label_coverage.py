"""How much of a sparse label survives a config's training pipeline.

The logic of ``tools/analysis_tools/sparse_label_coverage.py``. The train
dataset of a config is built as the Runner builds it, and its pipeline is
run on the same ``num`` samples (drawn with a fixed seed) once per sparse
interpolation of :class:`~mmlabeleff.datasets.transforms.WeakResize`
(``'nearest'``, upstream's; ``'label_area'``, the default;
``'label_centre'``), with the same random draws for each (NumPy's and
Python's generators are seeded per sample). Two probes read the sparse map
(``gt_sparse_seg_map``): right after ``LoadWeakAnnotations`` (the original
size, before any geometric transform) and right before the packing
transform (what the model gets).

Measured at each probe, pooled over the samples:

- the labelled-pixel fraction: pixels with a class id / pixels that are not
  ignored (255), the fraction the simulator's report gives;
- scribbles per sample and connected components per scribble. A scribble is
  an 8-connected component of one class of the original map (the
  simulator draws one per object); an id map of the scribbles (uint8,
  ``SCRIBBLE_ID_KEY``) follows the pipeline as a sparse map, resized like
  the class map, so that each output pixel is attributed to one scribble.
  At the original size there is 1 component per scribble by construction;
  a scribble that nearest-neighbour downscaling turns into dashes has many.
  A scribble that the crop cuts in two has two at any resolution. With more
  than 254 scribbles in one image, ids repeat (counted in ``id_overflow``).
- points kept: the share of ``gt_points`` (when the dataset loads them)
  whose pixel in the sparse map holds their class.

Sample-dependent random choices that look at the labels (the ``cat_max_ratio``
retries of ``WeakRandomCrop``) may pick another crop in the two modes.

Written for mmlabeleff; no code was copied.
"""
import copy
import random
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.config import Config
from mmengine.registry import init_default_scope
from scipy import ndimage

from mmlabeleff.structures.label_convention import IGNORE_INDEX, UNLABELED_INDEX
from .setup_env import register_all_modules

__all__ = [
    'SCRIBBLE_ID_KEY', 'COVERAGE_MODES', 'scribble_ids', 'sparse_map_stats',
    'set_sparse_interpolation', 'measure_sparse_label_coverage',
    'format_coverage_table'
]

#: The results key of the scribble id map the measurement adds.
SCRIBBLE_ID_KEY = 'gt_scribble_id_map'
#: The sparse interpolations compared, in column order.
COVERAGE_MODES = ('nearest', 'label_area', 'label_centre')
_EIGHT = np.ones((3, 3), dtype=bool)
_SPARSE_KEY = 'gt_sparse_seg_map'


def scribble_ids(sparse: np.ndarray) -> tuple:
    """Number the scribbles of a sparse map.

    Args:
        sparse (np.ndarray): ``(H, W)`` sparse map (ids, 254, 255).

    Returns:
        tuple[np.ndarray, int, int]: The uint8 id map (``0..253`` on
        scribble pixels, ids repeating after 254 scribbles; 254 and 255 as
        in ``sparse``), the number of scribbles and how many of them reuse
        an id.
    """
    ids = np.where(sparse == IGNORE_INDEX, IGNORE_INDEX,
                   UNLABELED_INDEX).astype(np.uint8)
    count = 0
    for cls in np.unique(sparse[sparse < UNLABELED_INDEX]):
        comp, num = ndimage.label(sparse == cls, structure=_EIGHT)
        on = comp > 0
        ids[on] = (comp[on] - 1 + count) % UNLABELED_INDEX
        count += num
    return ids, count, max(count - UNLABELED_INDEX, 0)


def sparse_map_stats(sparse: np.ndarray, ids: np.ndarray,
                     points: Optional[np.ndarray] = None,
                     point_labels: Optional[np.ndarray] = None) -> Dict:
    """The counts of one probe on one sample.

    Args:
        sparse (np.ndarray): ``(H, W)`` sparse map.
        ids (np.ndarray): Its scribble id map (:func:`scribble_ids`, moved
            with it).
        points (np.ndarray, optional): ``(N, 2)`` continuous x, y.
        point_labels (np.ndarray, optional): ``(N, )`` classes.

    Returns:
        dict: ``labelled``, ``valid`` (not ignored) pixels, ``scribbles``
        (ids present), ``components`` (their 8-connected pieces, summed),
        ``points`` and ``points_kept``.
    """
    labelled = sparse < UNLABELED_INDEX
    present = np.unique(ids[labelled])
    components = 0
    slices = ndimage.find_objects(np.where(labelled, ids.astype(np.int64) + 1,
                                           0))
    for scribble in present:
        window = slices[scribble]
        piece = (ids[window] == scribble) & labelled[window]
        components += ndimage.label(piece, structure=_EIGHT)[1]
    stats = dict(labelled=int(labelled.sum()),
                 valid=int((sparse != IGNORE_INDEX).sum()),
                 scribbles=int(present.size), components=int(components),
                 points=0, points_kept=0)
    if points is not None and len(points):
        cols = np.floor(points[:, 0]).astype(np.int64)
        rows = np.floor(points[:, 1]).astype(np.int64)
        stats['points'] = int(len(points))
        stats['points_kept'] = int(
            (sparse[rows, cols] == np.asarray(point_labels)).sum())
    return stats


class _AddScribbleIds:
    """Pipeline step: add the scribble id map and probe the original map."""

    def __init__(self, records: List[Dict]) -> None:
        self.records = records

    def __call__(self, results: dict) -> dict:
        sparse = results.get(_SPARSE_KEY)
        if sparse is None:
            raise ValueError(f'{results.get("img_path")}: the pipeline '
                             f'loaded no {_SPARSE_KEY} (a sparse '
                             'supervision is needed)')
        ids, count, overflow = scribble_ids(sparse)
        results[SCRIBBLE_ID_KEY] = ids
        results['seg_fields'].append(SCRIBBLE_ID_KEY)
        stats = sparse_map_stats(sparse, ids, results.get('gt_points'),
                                 results.get('gt_points_labels'))
        stats.update(id_overflow=overflow, shape=list(sparse.shape))
        self.records.append(stats)
        return results


class _Probe:
    """Pipeline step: record the sparse map's counts, change nothing."""

    def __init__(self, records: List[Dict]) -> None:
        self.records = records

    def __call__(self, results: dict) -> dict:
        sparse = results[_SPARSE_KEY]
        stats = sparse_map_stats(sparse, results[SCRIBBLE_ID_KEY],
                                 results.get('gt_points'),
                                 results.get('gt_points_labels'))
        stats.update(shape=list(sparse.shape))
        self.records.append(stats)
        results['seg_fields'].remove(SCRIBBLE_ID_KEY)
        del results[SCRIBBLE_ID_KEY]
        return results


def _type_name(step) -> str:
    return str(step.get('type', '')) if isinstance(step, dict) else ''


def set_sparse_interpolation(pipeline: Sequence, mode: str,
                             sparse_keys: Sequence[str] = (
                                 _SPARSE_KEY, SCRIBBLE_ID_KEY)) -> int:
    """Set ``sparse_interpolation`` (and ``sparse_keys``) on every
    ``WeakResize`` of a pipeline config, in place.

    Finds ``dict(type='WeakResize')`` and wrappers with
    ``resize_type='WeakResize'`` (``RandomResize``, ``RandomChoiceResize``),
    also inside nested pipelines (``MultiBranch``, ``RandomApply``, ...).

    Args:
        pipeline (Sequence): Transform configs.
        mode (str): A sparse interpolation of ``WeakResize``.
        sparse_keys (Sequence[str]): The keys resized as sparse maps.

    Returns:
        int: How many ``WeakResize`` were set.
    """
    found = 0

    def visit(node):
        nonlocal found
        if isinstance(node, dict):
            name = _type_name(node)
            resize_type = str(node.get('resize_type', ''))
            if name.split('.')[-1] == 'WeakResize' or \
                    resize_type.split('.')[-1] == 'WeakResize':
                node['sparse_interpolation'] = mode
                node['sparse_keys'] = tuple(sparse_keys)
                found += 1
            for value in node.values():
                visit(value)
        elif isinstance(node, (list, tuple)):
            for value in node:
                visit(value)

    visit(pipeline)
    return found


def _instrument(pipeline: list, before: List[Dict],
                after: List[Dict]) -> list:
    """The pipeline with the id map and the two probes inserted."""
    names = [_type_name(step).split('.')[-1] for step in pipeline]
    if 'LoadWeakAnnotations' not in names:
        raise ValueError('the train pipeline has no LoadWeakAnnotations, '
                         'so no sparse map to measure')
    load = names.index('LoadWeakAnnotations')
    pack = next((i for i, name in enumerate(names)
                 if i > load and ('Pack' in name or name == 'MultiBranch')),
                len(pipeline))
    return (pipeline[:load + 1] + [_AddScribbleIds(before)]
            + pipeline[load + 1:pack] + [_Probe(after)] + pipeline[pack:])


def _summary(records: List[Dict]) -> Dict:
    total = {key: sum(r[key] for r in records)
             for key in ('labelled', 'valid', 'scribbles', 'components',
                         'points', 'points_kept')}
    num = len(records)
    return dict(
        labelled_fraction=(total['labelled'] / total['valid']
                           if total['valid'] else None),
        labelled_pixels_per_sample=total['labelled'] / num,
        scribbles_per_sample=total['scribbles'] / num,
        components_per_scribble=(total['components'] / total['scribbles']
                                 if total['scribbles'] else None),
        points_kept_fraction=(total['points_kept'] / total['points']
                              if total['points'] else None),
        mean_size=[float(np.mean([r['shape'][0] for r in records])),
                   float(np.mean([r['shape'][1] for r in records]))],
        totals=total)


def _dataset_cfg(cfg: Config) -> dict:
    loader = cfg.get('train_dataloader')
    if loader is None:
        raise KeyError('the config has no train_dataloader')
    dataset = copy.deepcopy(loader['dataset'])
    if 'pipeline' not in dataset:
        raise ValueError('train_dataloader.dataset has no pipeline (a '
                         'dataset wrapper?); measure its inner dataset')
    return dataset


def measure_sparse_label_coverage(cfg: Config,
                                  num: int = 100,
                                  seed: int = 0,
                                  modes: Sequence[str] = COVERAGE_MODES
                                  ) -> Dict:
    """Measure the sparse labels before and after the train pipeline.

    Registers mmlabeleff's modules and sets the config's default scope
    (``'mmlabeleff'`` when absent) first.

    Args:
        cfg (Config): A loaded config whose ``train_dataloader.dataset``
            has a ``pipeline`` with ``LoadWeakAnnotations`` and a
            ``WeakResize``.
        num (int): Samples, drawn without replacement with ``seed`` (all
            when the dataset is smaller). Defaults to 100.
        seed (int): Seed of the draw and of each sample's transforms.
            Defaults to 0.
        modes (Sequence[str]): The sparse interpolations compared.

    Returns:
        dict: ``indices``, ``num_samples``, ``original`` (the counts at the
        original size) and one entry per mode, each with the pooled
        ``labelled_fraction``, ``scribbles_per_sample``,
        ``components_per_scribble``, ``points_kept_fraction`` (None
        without points), ``labelled_pixels_per_sample``, ``mean_size``
        (h, w) and ``totals``; ``original`` also has ``id_overflow``.

    Raises:
        KeyError: If the config has no ``train_dataloader``.
        ValueError: If the pipeline has no ``LoadWeakAnnotations`` or no
            ``WeakResize``, or a sample has no sparse map.
    """
    from mmlabeleff.registry import DATASETS
    register_all_modules(init_default_scope=False)
    init_default_scope(cfg.get('default_scope', 'mmlabeleff'))
    base = _dataset_cfg(cfg)
    result = dict(seed=seed)
    for mode in modes:
        dataset_cfg = copy.deepcopy(base)
        pipeline = list(dataset_cfg['pipeline'])
        if not set_sparse_interpolation(pipeline, mode):
            raise ValueError('the train pipeline has no WeakResize (nor '
                             "resize_type='WeakResize')")
        before, after = [], []
        dataset_cfg['pipeline'] = _instrument(pipeline, before, after)
        dataset = DATASETS.build(dataset_cfg)
        if 'indices' not in result:
            rng = np.random.default_rng(seed)
            count = min(num, len(dataset))
            result['indices'] = sorted(
                rng.choice(len(dataset), count, replace=False).tolist())
            result['num_samples'] = count
        for index in result['indices']:
            np.random.seed(seed + index)
            random.seed(seed + index)
            dataset[index]
        if 'original' not in result:
            result['original'] = _summary(before)
            result['original']['id_overflow'] = sum(
                r['id_overflow'] for r in before)
        result[mode] = _summary(after)
    return result


def format_coverage_table(result: Dict,
                          modes: Sequence[str] = COVERAGE_MODES) -> str:
    """The measurement as a Markdown table, one column per probe.

    Args:
        result (dict): :func:`measure_sparse_label_coverage`'s result.
        modes (Sequence[str]): The modes to show, in order.

    Returns:
        str: The table (no trailing newline).
    """
    columns = [('original size', result['original'])] + [
        (f'after pipeline, {mode}', result[mode]) for mode in modes]

    def percent(value):
        return '-' if value is None else f'{100 * value:.3f}'

    def number(value):
        return '-' if value is None else f'{value:.2f}'

    rows = [('labelled pixels (% of non-ignored)',
             lambda s: percent(s['labelled_fraction'])),
            ('labelled pixels per sample',
             lambda s: f"{s['labelled_pixels_per_sample']:.1f}"),
            ('scribbles per sample',
             lambda s: number(s['scribbles_per_sample'])),
            ('components per scribble',
             lambda s: number(s['components_per_scribble'])),
            ('points kept (%)',
             lambda s: percent(s['points_kept_fraction'])),
            ('mean size (h x w)',
             lambda s: f"{s['mean_size'][0]:.0f} x {s['mean_size'][1]:.0f}")]
    lines = ['| | ' + ' | '.join(name for name, _ in columns) + ' |',
             '|---|' + '---:|' * len(columns)]
    for title, cell in rows:
        lines.append(f'| {title} | '
                     + ' | '.join(cell(stats) for _, stats in columns)
                     + ' |')
    return '\n'.join(lines)
