"""The file-naming contract of weak labels on disk, written down once.

Simulated or converted weak labels of a dataset live in one folder, the
``weak_root`` of a dataset config; the simulator
(:mod:`mmlabeleff.structures.weak_label_simulation`), the converters under
``tools/dataset_converters`` and every dataset
(:class:`mmlabeleff.datasets.BaseWeakSegDataset`) name its files with the
functions below, so a name is decided in one place::

    tags.json                  {IMAGEID: [class ids]}
    boxes.json                 {IMAGEID: [{bbox: [x1, y1, x2, y2],
                                           bbox_label, ignore_flag}]}
    scribbles_r100/IMAGEID.png sparse maps, one folder per length ratio
                               (r080 = 80 % of the length; r000 = one point
                               per object); ``_w<width>`` for a brush
                               wider than 1 px (``scribbles_r100_w3``)
    points_n1/IMAGEID.png      sparse maps of n points per object
                               (``_d<radius>`` when dilated)
    points_n1.json             the exact points (:data:`POINTS_FORMAT`)
    points_r000/, points_mask/ points not simulated per object
                               (:data:`POINT_SOURCES`: the centre points of
                               ScribbleSup scribbles, the interior points of
                               VOC's object masks), each with its ``.json``
    partial_f010/IMAGEID.png   partial masks (``partial_px_f010`` for a
                               fraction of pixels instead of objects)
    stats.json, stats.md       the simulator's report

Datasets whose own annotations carry a prefix pass it to
:func:`scribbles_name` and :func:`points_name`: PASCAL-Context's ScribbleSup
scribbles are ``context59_scribbles_r100`` (mmseg's 59 classes) and
``context60_scribbles_r100`` (with background), whose class ids differ.

Suffixes say how a label was drawn, and are absent at the defaults (a
1-pixel line, single-pixel points), so default names never change:

- ``_w<width>``: simulated scribbles drawn with a round brush ``width`` px
  wide (odd, at the original image size; the simulator's
  ``scribble_width``);
- ``_d<d>``: a dilation as the writer counts it: the disk radius of the
  simulator's points (``point_dilation``), the kernel diameter (``> 1``) of
  the ScribbleSup converters' scribbles and points.

The one points-JSON format, for every dataset, converter and the simulator,
is ``{IMAGEID: [{"point": [x, y], "point_label": c}, ...]}``, where ``x, y``
are the column and row of the labelled pixel (integers) and ``c`` its class
id, the data-info form of :mod:`mmlabeleff.structures.label_convention`.
"""
import os.path as osp
from typing import Optional

__all__ = [
    'TAGS_FILE', 'BOXES_FILE', 'STATS_FILES', 'DEFAULT_WEAK_LABELS',
    'POINTS_FORMAT', 'TAGS_FORMAT', 'BOXES_FORMAT', 'ratio_tag',
    'scribbles_name', 'points_name', 'partial_name', 'points_file_name',
    'sparse_map_file', 'point_record', 'POINT_SOURCES'
]

TAGS_FILE = 'tags.json'
BOXES_FILE = 'boxes.json'
STATS_FILES = ('stats.json', 'stats.md')
#: The sub-folder of ``weak_root`` a dataset reads when ``weak_label`` is None.
DEFAULT_WEAK_LABELS = dict(
    scribbles='scribbles_r100', points='points_n1', partial='partial_f010')
#: A human-readable statement of the points-JSON format (for error messages).
POINTS_FORMAT = '{image_id: [{"point": [x, y], "point_label": c}, ...]}'
#: Folder names of points that are not simulated per object, by source:
#: ``'scribbles'``, the centre point of each ScribbleSup scribble (its 0 %
#: length, SPML's VOC points), and ``'masks'``, one interior point per
#: object of VOC's masks (``tools/dataset_converters/voc_points.py``).
POINT_SOURCES = dict(scribbles='points_r000', masks='points_mask')
#: A human-readable statement of the tags-JSON format.
TAGS_FORMAT = '{image_id: [class ids]}'
#: A human-readable statement of the boxes-JSON format.
BOXES_FORMAT = ('{image_id: [{"bbox": [x1, y1, x2, y2], "bbox_label": c, '
                '"ignore_flag": 0 or 1}, ...]}')


def ratio_tag(value: float) -> str:
    """Three digits of a fraction in percent: 0.8 -> ``'080'``, 1 -> ``'100'``.

    Args:
        value (float): A fraction in ``[0, 1]``.

    Returns:
        str: ``round(value * 100)`` with three digits.

    Raises:
        ValueError: If ``value`` is outside ``[0, 1]``.
    """
    if not 0 <= value <= 1:
        raise ValueError(f'a ratio must lie in [0, 1], got {value}')
    return f'{int(round(value * 100)):03d}'


def scribbles_name(ratio: float = 1.0, dilation: int = 0,
                   prefix: str = '', width: int = 1) -> str:
    """Folder of scribbles shortened to ``ratio`` of their length.

    Args:
        ratio (float): Fraction of the length kept (SPML's study: 1, 0.8,
            0.5, 0.3, 0 = the centre point). Defaults to 1.
        dilation (int): Dilation kernel diameter of the ScribbleSup
            converters; 0 (none) adds nothing to the name. Defaults to 0.
        prefix (str): Dataset prefix, e.g. ``'context59'``. Defaults to
            none.
        width (int): Brush width in pixels of simulated scribbles; 1 (a
            1-pixel line) adds nothing to the name. Defaults to 1.

    Returns:
        str: e.g. ``'scribbles_r080'``, ``'scribbles_r100_w3'``,
        ``'context59_scribbles_r100_d3'``.

    Raises:
        ValueError: If both ``dilation`` and ``width > 1`` are given, or
            ``width < 1``.
    """
    if width < 1:
        raise ValueError(f'width must be >= 1, got {width}')
    if dilation and width > 1:
        raise ValueError('a scribble folder is named by its dilation or its '
                         f'brush width, not both (got {dilation}, {width})')
    name = f'scribbles_r{ratio_tag(ratio)}'
    if dilation:
        name += f'_d{dilation}'
    if width > 1:
        name += f'_w{width}'
    return f'{prefix}_{name}' if prefix else name


def points_name(num_points: int = 1, dilation: int = 0,
                source: Optional[str] = None, prefix: str = '') -> str:
    """Folder of point labels (and, with ``.json``, their exact points).

    Args:
        num_points (int): Points per object. Defaults to 1.
        dilation (int): Dilation as the writer counts it (the simulator's
            disk radius, the converters' kernel diameter); 0 adds nothing.
        source (str, optional): Where the points come from when not
            simulated per object, a key of :data:`POINT_SOURCES`:
            ``'scribbles'`` (the centre points of ScribbleSup scribbles,
            ``points_r000``) or ``'masks'`` (interior points of object
            masks, ``points_mask``); ``num_points`` is then unused.
            Defaults to None.
        prefix (str): Dataset prefix, e.g. ``'context59'``. Defaults to
            none.

    Returns:
        str: e.g. ``'points_n1'``, ``'points_mask_d6'``,
        ``'context59_points_r000'``.

    Raises:
        ValueError: If ``num_points < 1`` or ``source`` is unknown.
    """
    if num_points < 1:
        raise ValueError(f'num_points must be >= 1, got {num_points}')
    if source is None:
        name = f'points_n{num_points}'
    elif source in POINT_SOURCES:
        name = POINT_SOURCES[source]
    else:
        raise ValueError(f'source must be one of {sorted(POINT_SOURCES)}, '
                         f'got {source!r}')
    if dilation:
        name += f'_d{dilation}'
    return f'{prefix}_{name}' if prefix else name


def partial_name(fraction: float = 0.1, mode: str = 'objects') -> str:
    """Folder of partial masks keeping ``fraction`` of objects or pixels.

    Args:
        fraction (float): Fraction kept. Defaults to 0.1.
        mode (str): ``'objects'`` or ``'pixels'``. Defaults to
            ``'objects'``.

    Returns:
        str: e.g. ``'partial_f010'`` or ``'partial_px_f010'``.
    """
    if mode not in ('objects', 'pixels'):
        raise ValueError(f"mode must be 'objects' or 'pixels', got {mode!r}")
    prefix = 'partial_f' if mode == 'objects' else 'partial_px_f'
    return prefix + ratio_tag(fraction)


def points_file_name(weak_label: str) -> str:
    """The points JSON beside a folder of point maps: ``<weak_label>.json``."""
    return weak_label + '.json'


def sparse_map_file(weak_root: str, weak_label: str, img_id: str) -> str:
    """Path of one image's sparse map: ``<weak_root>/<weak_label>/<id>.png``."""
    return osp.join(weak_root, weak_label, img_id + '.png')


def point_record(x: int, y: int, label: int) -> dict:
    """One point in the points-JSON format (:data:`POINTS_FORMAT`).

    Args:
        x (int): Column of the labelled pixel.
        y (int): Row of the labelled pixel.
        label (int): Class id.

    Returns:
        dict: ``{'point': [x, y], 'point_label': label}``.
    """
    return {'point': [int(x), int(y)], 'point_label': int(label)}
