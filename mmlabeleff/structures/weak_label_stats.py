"""Coverage statistics of simulated weak labels, and their report.

What the simulator (:func:`mmlabeleff.structures.simulate_weak_labels`)
writes to ``stats.json`` and ``stats.md``: for each label type, the
labeled-pixel fraction of each class (pixels of class c that carry label c /
pixels of class c in the dense masks; for tags, the pixels of tagged classes;
for boxes, the pixels of class c inside a box of class c), the overall
labeled fraction (of the non-void pixels), the number of objects (connected
components of a class in the dense masks, all sizes) per class and how many
got no label at all, the images without any label, and labels (boxes, tags,
points) per image.

Written for mmlabeleff; no code was copied.
"""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

__all__ = [
    'label_coverage', 'aggregate_weak_label_stats', 'render_stats_markdown',
    'format_percent'
]


def label_coverage(labeled: np.ndarray, mask: np.ndarray, objs: dict,
                   num_classes: int) -> dict:
    """Counts of one label type on one image.

    Args:
        labeled (np.ndarray): ``(H, W)`` bool, pixels that carry their own
            class (always a subset of the non-void pixels).
        mask (np.ndarray): ``(H, W)`` dense mask (class ids, 255 void).
        objs (dict): :meth:`WeakLabelSimulator.objects` of ``mask``.
        num_classes (int): K.

    Returns:
        dict: ``labeled_pixels`` (K ints), ``objects_without_label`` (K
        ints: objects of each class with not one labeled pixel) and
        ``any_label`` (bool).
    """
    labeled_pixels = np.bincount(mask[labeled].astype(np.int64),
                                 minlength=num_classes)
    num_objects = len(objs['labels'])
    hit = np.bincount(objs['object_map'][labeled], minlength=num_objects + 1)
    missed = objs['labels'][hit[1:] == 0]
    return dict(
        labeled_pixels=labeled_pixels[:num_classes].tolist(),
        objects_without_label=np.bincount(
            missed, minlength=num_classes)[:num_classes].tolist(),
        any_label=bool(labeled.any()))


def _fraction(num, den) -> Optional[float]:
    return round(float(num) / den, 6) if den else None


def aggregate_weak_label_stats(
        records: Sequence[dict], outputs: Sequence[Tuple[str, str, object]],
        num_classes: int) -> Tuple[dict, Dict[str, dict]]:
    """Sum the per-image counts into the report's numbers.

    Args:
        records (Sequence[dict]): Per-image records of
            :func:`mmlabeleff.structures.simulate_weak_sample` (``dense``
            counts and ``types``: {output name: counts}).
        outputs (Sequence[tuple]): ``(name, kind, parameter)`` of each
            output (:func:`mmlabeleff.structures.weak_label_outputs`).
        num_classes (int): K.

    Returns:
        tuple[dict, dict]: ``(dense, types)``: the dense masks' totals and,
        per output name, its coverage (the ``dense`` and ``types`` entries
        of ``stats.json``).
    """
    pixels = np.zeros(num_classes, dtype=np.int64)
    objects = np.zeros(num_classes, dtype=np.int64)
    void = total = kept = 0
    for rec in records:
        kept += rec['dense']['objects_kept']
        pixels += rec['dense']['pixels']
        objects += rec['dense']['objects']
        void += rec['dense']['void_pixels']
        total += rec['dense']['total_pixels']
    dense = dict(total_pixels=int(total), void_pixels=int(void),
                 pixels_per_class=pixels.tolist(),
                 objects_per_class=objects.tolist(),
                 objects=int(objects.sum()),
                 objects_kept=int(kept),
                 objects_per_image=_fraction(objects.sum(), len(records)))
    types = {}
    for name, kind, param in outputs:
        labeled = np.zeros(num_classes, dtype=np.int64)
        missed = np.zeros(num_classes, dtype=np.int64)
        empty = 0
        per_image = []
        for rec in records:
            counts = rec['types'][name]
            labeled += counts['labeled_pixels']
            missed += counts['objects_without_label']
            empty += not counts['any_label']
            if 'count' in counts:
                per_image.append(counts['count'])
        entry = dict(
            kind=kind, parameter=param,
            labeled_pixels_per_class=labeled.tolist(),
            labeled_pixel_fraction_per_class=[
                _fraction(n, d) for n, d in zip(labeled, pixels)],
            labeled_pixels=int(labeled.sum()),
            labeled_pixel_fraction=_fraction(labeled.sum(), pixels.sum()),
            objects_without_label_per_class=missed.tolist(),
            objects_without_label=int(missed.sum()),
            objects_without_label_fraction=_fraction(missed.sum(),
                                                     objects.sum()),
            images_without_label=int(empty))
        if per_image:
            entry[f'{kind}_per_image'] = dict(
                mean=_fraction(sum(per_image), len(per_image)),
                min=int(min(per_image)), max=int(max(per_image)),
                total=int(sum(per_image)))
        if kind == 'boxes':
            per_class = np.zeros(num_classes, dtype=np.int64)
            for rec in records:
                per_class += rec['types'][name]['per_class']
            entry['boxes_per_class'] = per_class.tolist()
        types[name] = entry
    return dense, types


def format_percent(value: Optional[float], digits: int = 2) -> str:
    """A fraction as a percentage with ``digits`` decimals (``'-'`` for
    None, an undefined fraction)."""
    return '-' if value is None else f'{100 * value:.{digits}f}'


def _class_rows(stats: dict, key: str, cell) -> List[str]:
    dense = stats['dense']
    rows = []
    for cls, name in enumerate(stats['classes']):
        share = _fraction(dense['pixels_per_class'][cls],
                          dense['total_pixels'] - dense['void_pixels'])
        cells = [cell(t[key][cls]) for t in stats['types'].values()]
        rows.append(f"| {cls} {name} | {format_percent(share)} "
                    f"| {dense['objects_per_class'][cls]} | "
                    + ' | '.join(cells) + ' |')
    return rows


def render_stats_markdown(stats: dict) -> str:
    """The report as a Markdown page (``stats.md``).

    Args:
        stats (dict): The statistics, as in ``stats.json`` (``config``,
            ``num_images``, ``classes``, ``dense``, ``types``).

    Returns:
        str: The page, ending with a newline.
    """
    cfg = stats['config']
    dense = stats['dense']
    classes = stats['classes']
    types = stats['types']
    void_share = _fraction(dense['void_pixels'], dense['total_pixels'])
    lines = [
        '# Simulated weak labels: statistics', '',
        f"Dataset `{cfg['dataset']}` ({cfg['source']}), "
        f"{stats['num_images']} images, {len(classes)} classes, "
        f"seed {cfg['seed']}; generated by "
        '`tools/dataset_converters/simulate_weak_labels.py`.', '',
        'Options: ' + ', '.join(f'{k}={v}' for k, v in cfg['options'].items())
        + '.', '',
        f"Dense masks: {dense['total_pixels']} pixels, "
        f"{dense['void_pixels']} void ({format_percent(void_share)} %); "
        f"{dense['objects']} objects (connected components of a class), "
        f"{dense['objects_per_image']:.1f} per image; "
        f"{cfg['options']['min_area']} px or more: {dense['objects_kept']} "
        '(only these get boxes, scribbles, points, partial labels).', '',
        'Labeled fraction: labeled pixels / non-void pixels (for tags: pixels '
        'of tagged classes; for boxes: pixels of class c inside a box of '
        'class c). An object without label has not one labeled pixel.', '',
        '## Summary', '',
        '| label type | labeled pixels (%) | objects without label '
        '| objects without label (%) | images without label | per image |',
        '|---|---:|---:|---:|---:|---:|',
    ]
    for name, entry in types.items():
        per_image = next((f"{v['mean']:.2f} {k.split('_')[0]}"
                          for k, v in entry.items() if k.endswith('_per_image')),
                         '')
        lines.append(
            f"| {name} | {format_percent(entry['labeled_pixel_fraction'], 3)} "
            f"| {entry['objects_without_label']} / {dense['objects']} "
            f"| {format_percent(entry['objects_without_label_fraction'], 1)} "
            f"| {entry['images_without_label']} | {per_image} |")
    header = '| class | pixels (%) | objects | ' + ' | '.join(types) + ' |'
    rule = '|---|---:|---:|' + '---:|' * len(types)
    lines += ['', '## Labeled-pixel fraction per class (%)', '',
              'Labeled pixels of class c / pixels of class c.', '', header,
              rule]
    lines += _class_rows(stats, 'labeled_pixel_fraction_per_class',
                         lambda v: format_percent(v, 3))
    lines += ['', '## Objects without any label, per class', '', header, rule]
    lines += _class_rows(stats, 'objects_without_label_per_class', str)
    return '\n'.join(lines) + '\n'
