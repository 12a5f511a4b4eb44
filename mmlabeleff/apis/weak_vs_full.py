"""Compare a weak-label run with a fully supervised run: mIoU and a picture.

The logic of ``tools/misc/demo_summary.py`` (the last step of ``make
demo``): both checkpoints are evaluated on their config's test set with
the arithmetic of mmseg's ``IoUMetric`` (the numbers ``tools/test.py``
prints), the weak run's mIoU is given as a fraction of the full run's, and
a grid shows, for a few *train* images (the only ones with weak labels),
``image | weak label the model trained on | weak model's prediction |
ground truth``. The weak label is drawn by
:class:`~mmlabeleff.visualization.WeakSegLocalVisualizer` (scribbles and
points thickened for display); the prediction and the ground truth are
painted in the dataset's palette.
"""
import os.path as osp
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.config import Config
from mmseg.evaluation import IoUMetric
from PIL import Image, ImageDraw, ImageFont

from mmlabeleff.registry import DATASETS
from mmlabeleff.structures import IGNORE_INDEX
from mmlabeleff.utils import read_label_ids
from mmlabeleff.visualization import (
    WeakSegLocalVisualizer,
    packed_inputs_to_rgb,
)
from .config import load_config
from .inference import colorize, init_model, predict_item

__all__ = [
    'evaluate_miou', 'labelled_pixel_fraction', 'build_weak_label_view',
    'draw_weak_label_grid', 'run_summary', 'summarize_weak_vs_full',
    'format_summary_table', 'GRID_COLUMNS'
]

#: Column titles of :func:`draw_weak_label_grid`.
GRID_COLUMNS = ('image', 'weak label (trained on)', 'weak-label prediction',
                'ground truth')


def evaluate_miou(model: torch.nn.Module, dataset,
                  ignore_index: int = IGNORE_INDEX) -> dict:
    """Predict every item of a dataset and score it as mmseg's ``IoUMetric``.

    The intersections and unions are those of
    :meth:`mmseg.evaluation.IoUMetric.intersect_and_union`, summed over the
    dataset, and the summary is rounded as ``IoUMetric`` rounds it, so the
    mIoU equals the one ``tools/test.py`` reports for the same checkpoint
    and dataset.

    Args:
        model (torch.nn.Module): A segmentor in eval mode.
        dataset: A dataset of packed items with ``gt_sem_seg`` and a
            ``metainfo`` with ``classes``.
        ignore_index (int): Label value left out. Defaults to 255.

    Returns:
        dict: ``mIoU`` and ``aAcc`` (percent, 2 decimals), ``IoU``
        (``{class name: percent or None}``, None for a class absent from
        both the labels and the predictions) and ``num_images``.
    """
    classes = list(dataset.metainfo['classes'])
    totals = [torch.zeros(len(classes), dtype=torch.float64)
              for _ in range(4)]
    for idx in range(len(dataset)):
        item = dataset[idx]
        pred = predict_item(model, item).pred_sem_seg.data.squeeze()
        label = item['data_samples'].gt_sem_seg.data.squeeze().to(pred)
        areas = IoUMetric.intersect_and_union(pred, label, len(classes),
                                              ignore_index)
        for total, area in zip(totals, areas):
            total += area.double()
    metrics = IoUMetric.total_area_to_metrics(*totals, ['mIoU'])
    iou = np.asarray(metrics['IoU'], dtype=np.float64)
    return dict(
        mIoU=float(np.round(np.nanmean(iou) * 100, 2)),
        aAcc=float(np.round(np.nanmean(metrics['aAcc']) * 100, 2)),
        IoU={
            name: None if np.isnan(value) else float(np.round(value * 100, 2))
            for name, value in zip(classes, iou)
        },
        num_images=len(dataset))


def labelled_pixel_fraction(dataset) -> float:
    """The fraction of the non-ignored pixels that a dataset's labels give.

    Sparse maps (``sparse_map_path``: scribbles, points, partial masks)
    count their pixels with a class id (not 254 unlabeled, not 255 ignore)
    over their pixels that are not 255, pooled over the dataset; a dataset
    whose samples all have dense masks gives 1.

    Args:
        dataset: A built mmlabeleff dataset (its data infos are read).

    Returns:
        float: In ``[0, 1]``.

    Raises:
        ValueError: If the dataset has neither sparse maps nor dense masks
            (tags, boxes, unlabeled images).
    """
    num_classes = len(dataset.metainfo['classes'])
    labelled = valid = 0
    dense = True
    for idx in range(len(dataset)):
        info = dataset.get_data_info(idx)
        path = info.get('sparse_map_path')
        if path is None:
            dense = dense and info.get('supervision', 'full') == 'full'
            continue
        dense = False
        ids = read_label_ids(path, 'sparse map')
        labelled += int((ids < num_classes).sum())
        valid += int((ids != IGNORE_INDEX).sum())
    if valid:
        return labelled / valid
    if dense:
        return 1.0
    raise ValueError(f'{type(dataset).__name__}: no sparse maps or dense '
                     'masks to count labelled pixels in')


def build_weak_label_view(cfg: Config, split: str = 'train'):
    """The weak training set of a config, to be drawn next to its masks.

    The ``{split}_dataloader`` dataset with ``keep_seg_map_path=True`` (the
    dense masks are loaded too) and a pipeline without random transforms:
    ``LoadImageFromFile``, ``LoadWeakAnnotations``, ``PackWeakSegInputs``;
    so each item is the original image with its weak label and its mask.

    Args:
        cfg (Config): A weak-label config (``default_scope`` set).
        split (str): Which dataloader. Defaults to ``'train'``.

    Returns:
        The built dataset.
    """
    dataset_cfg = cfg[f'{split}_dataloader'].dataset.copy()
    num_classes = cfg.model.decode_head.num_classes
    dataset_cfg.update(
        keep_seg_map_path=True,
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadWeakAnnotations', num_classes=num_classes),
            dict(type='PackWeakSegInputs'),
        ])
    return DATASETS.build(dataset_cfg)


def _upscale(array: np.ndarray, scale: int) -> np.ndarray:
    """Repeat each pixel ``scale`` x ``scale`` times (nearest neighbour)."""
    if scale == 1:
        return array
    return np.repeat(np.repeat(array, scale, axis=0), scale, axis=1)


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1: a fixed bitmap font
        return ImageFont.load_default()


def _text_band(width: int, height: int, texts: Sequence[Tuple[int, str]],
               font_size: int) -> np.ndarray:
    """A white ``(height, width, 3)`` band with black ``(x, text)`` texts."""
    band = Image.new('RGB', (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(band)
    font = _font(font_size)
    for x, text in texts:
        draw.text((x, height // 2), text, fill=(0, 0, 0), font=font,
                  anchor='lm')
    return np.asarray(band)


def draw_weak_label_grid(model: torch.nn.Module,
                         dataset,
                         num: int,
                         visualizer=None,
                         gap: int = 4,
                         scale: int = 1,
                         caption: Optional[str] = None) -> Tuple[np.ndarray,
                                                                 List[str]]:
    """Rows of ``image | weak label | prediction | ground truth``.

    ``num`` items evenly spaced over ``dataset`` (e.g.
    :func:`build_weak_label_view`) are predicted by ``model``. The weak
    label is every label of the sample but the dense mask, drawn over the
    image by ``visualizer.draw_weak_labels``; the prediction (resized to the
    mask by nearest neighbour) and the mask are painted in the palette. Each
    panel is enlarged ``scale`` times (nearest neighbour), rows are
    separated by ``gap`` white pixels, and a header band names the columns
    (:data:`GRID_COLUMNS`), with ``caption`` on a line above them.

    Args:
        model (torch.nn.Module): The weak-label segmentor, in eval mode.
        dataset: Packed items with the image, a weak label and
            ``gt_sem_seg``; ``metainfo`` with ``classes`` and ``palette``.
        num (int): Rows (at most ``len(dataset)``).
        visualizer (WeakSegLocalVisualizer, optional): Draws the weak label.
            Defaults to a new one with the dataset's classes and palette.
        gap (int): White pixels below each row. Defaults to 4.
        scale (int): Integer enlargement of the panels. Defaults to 1.
        caption (str, optional): A line of text above the column titles.

    Returns:
        tuple[np.ndarray, list[str]]: The (H, W, 3) uint8 RGB grid and the
        image paths of its rows.
    """
    if scale < 1 or int(scale) != scale:
        raise ValueError(f'scale must be a positive integer, got {scale}')
    scale = int(scale)
    metainfo = dataset.metainfo
    palette = np.asarray(metainfo['palette'], np.uint8)
    if visualizer is None:
        # its own instance (not the global one of the name)
        visualizer = WeakSegLocalVisualizer(
            name='weak_vs_full_grid', classes=metainfo['classes'],
            palette=metainfo['palette'])
    indices = np.linspace(0, len(dataset) - 1, num=min(num, len(dataset)))
    rows, paths = [], []
    for idx in indices.round().astype(int):
        item = dataset[int(idx)]
        sample = item['data_samples']
        gt = sample.gt_sem_seg.data[0].numpy()
        img = packed_inputs_to_rgb(item['inputs'])
        weak = sample.clone()
        del weak.gt_sem_seg
        weak_img = visualizer.draw_weak_labels(img, weak, with_labels=False)
        pred = predict_item(model, item).pred_sem_seg.data[0].cpu().numpy()
        if pred.shape != gt.shape:
            pred = np.asarray(Image.fromarray(pred.astype(np.uint8)).resize(
                gt.shape[::-1], Image.NEAREST))
        panels = [img, weak_img, colorize(pred, palette),
                  colorize(gt, palette)]
        rows.append(np.concatenate(
            [_upscale(np.asarray(p, np.uint8), scale) for p in panels],
            axis=1))
        paths.append(sample.metainfo.get('img_path', str(idx)))
    width = max(r.shape[1] for r in rows)
    rows = [np.pad(r, ((0, gap), (0, width - r.shape[1]), (0, 0)),
                   constant_values=255) for r in rows]
    panel_width = rows[0].shape[1] // len(GRID_COLUMNS)
    font_size = max(10, min(16, panel_width // 14))
    band = int(font_size * 1.8)
    header = [_text_band(width, band, [
        (i * panel_width + 4, title) for i, title in enumerate(GRID_COLUMNS)
    ], font_size)]
    if caption:
        header.insert(0, _text_band(width, band, [(4, caption)], font_size))
    return np.concatenate(header + rows, axis=0), paths


def _method_name(config_path: str) -> str:
    """The method field of an OpenMMLab recipe name (``blpseg_...`` ->
    ``blpseg``), or the file stem."""
    return osp.splitext(osp.basename(config_path))[0].split('_')[0]


def run_summary(config: str, checkpoint: str, device: str = 'cpu',
                cfg_options: Optional[dict] = None):
    """Load a run, evaluate it and describe its training labels.

    Args:
        config (str): The config file.
        checkpoint (str): Its checkpoint.
        device (str): Defaults to ``'cpu'``.
        cfg_options (dict, optional): Overrides of the config.

    Returns:
        tuple: ``(entry, cfg, model)``: ``entry`` is a dict with
        ``config``, ``checkpoint``, ``method``, ``supervision``,
        ``labelled_fraction`` and the metrics of :func:`evaluate_miou` on
        the config's test set.
    """
    cfg = load_config(config, cfg_options)
    model = init_model(cfg, checkpoint, device)
    train_set = DATASETS.build(cfg.train_dataloader.dataset)
    test_set = DATASETS.build(cfg.test_dataloader.dataset)
    evaluator = cfg.get('test_evaluator') or {}
    if isinstance(evaluator, (list, tuple)):
        evaluator = evaluator[0]
    ignore_index = evaluator.get('ignore_index', IGNORE_INDEX)
    entry = dict(
        config=config, checkpoint=checkpoint, method=_method_name(config),
        supervision=getattr(train_set, 'supervision', 'full'),
        labelled_fraction=labelled_pixel_fraction(train_set))
    entry.update(evaluate_miou(model, test_set, ignore_index))
    return entry, cfg, model


def summarize_weak_vs_full(full: Tuple[str, str],
                           weak: Tuple[str, str],
                           num: int = 4,
                           scale: int = 2,
                           device: str = 'cpu') -> Tuple[dict, np.ndarray]:
    """Evaluate a full and a weak run and draw the weak run's grid.

    Args:
        full (tuple[str, str]): ``(config, checkpoint)`` of the fully
            supervised run.
        weak (tuple[str, str]): ``(config, checkpoint)`` of the weak-label
            run.
        num (int): Rows of the picture. Defaults to 4.
        scale (int): Enlargement of the picture's panels. Defaults to 2.
        device (str): Defaults to ``'cpu'``.

    Returns:
        tuple[dict, np.ndarray]: The summary (``full`` and ``weak`` entries
        of :func:`run_summary`, ``fraction_of_full`` = weak mIoU / full mIoU,
        ``picture``: its columns, split and images) and the RGB grid.
    """
    full_entry, _, _ = run_summary(*full, device=device)
    weak_entry, weak_cfg, weak_model = run_summary(*weak, device=device)
    view = build_weak_label_view(weak_cfg, 'train')
    caption = (f'{num} train images: the {weak_entry["method"]} model saw '
               f'only their {weak_entry["supervision"]} '
               f'({100 * weak_entry["labelled_fraction"]:.1f} % of the '
               'pixels)')
    grid, paths = draw_weak_label_grid(weak_model, view, num, scale=scale,
                                       caption=caption)
    fraction = (weak_entry['mIoU'] / full_entry['mIoU']
                if full_entry['mIoU'] else None)
    summary = dict(
        full=full_entry, weak=weak_entry, fraction_of_full=fraction,
        picture=dict(columns=list(GRID_COLUMNS), split='train',
                     images=paths, caption=caption))
    return summary, grid


def format_summary_table(summary: dict) -> str:
    """A Markdown table of :func:`summarize_weak_vs_full`'s summary.

    Args:
        summary (dict): With ``full``, ``weak`` and ``fraction_of_full``.

    Returns:
        str: Three lines of header and two rows: method, training labels
        (and the labelled share of the train pixels), test mIoU, and the
        share of the full run's mIoU.
    """
    lines = ['| run | training labels | val mIoU | of full supervision |',
             '|---|---|---:|---:|']
    for key in ('full', 'weak'):
        entry = summary[key]
        share = 1.0 if key == 'full' else summary['fraction_of_full']
        share = 'n/a' if share is None else f'{100 * share:.1f} %'
        lines.append(
            f"| {entry['method']} | {entry['supervision']} "
            f"({100 * entry['labelled_fraction']:.2f} % of pixels) | "
            f"{entry['mIoU']:.2f} | {share} |")
    return '\n'.join(lines)

