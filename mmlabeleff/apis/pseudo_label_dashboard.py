"""Pseudo-label quality dashboard of the image-tag pipeline.

Reads what the stages wrote (the CAM dump, the random-walk and CRF pseudo
masks) and the train masks, and writes:

- ``images/<id>.png``: image | CAM of each tag | seed | random walk | CRF |
  ground truth (:class:`~mmlabeleff.visualization.PseudoLabelVisualizer`);
- ``seed_curve.png``: seed mIoU over the background threshold (datasets
  with a background class) or the "uncertain" threshold (without one; then
  also the labelled fraction), with the random-walk and CRF masks' mIoU;
- ``summary.md``: the stage table (mIoU with uncertain pixels counted as
  misses, mIoU over labelled pixels, coverage) and the per-class IoU of
  every stage.

Everything is recomputed from the files, so the numbers do not depend on
logs. ``tools/analysis_tools/pseudo_label_dashboard.py`` is the command.
"""
import io
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.config import Config
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmlabeleff.evaluation.metrics.cam_seed_metric import _class_iou
from mmlabeleff.registry import DATASETS
from mmlabeleff.structures.cam_dump import (
    cam_seed,
    dump_path,
    load_cam_dump,
    load_label_png,
)
from mmlabeleff.structures.label_convention import IGNORE_INDEX
from mmlabeleff.utils.atomic_io import (
    save_png_atomic,
    write_bytes_atomic,
    write_text_atomic,
)

__all__ = ['StageScores', 'build_dashboard']

DEFAULT_THRESHOLDS = tuple(np.round(np.arange(0.05, 0.951, 0.05), 2))


class StageScores:
    """Confusion counts of one stage's label maps against the masks.

    Uncertain pixels (255 in a map) count as misses of their true class;
    ``labelled`` keeps a second confusion over the pixels the map labels.
    """

    def __init__(self, num_classes: int) -> None:
        self.k = num_classes
        self.all = np.zeros((num_classes, num_classes + 1), np.int64)
        self.scored = 0
        self.covered = 0

    def add(self, pred: np.ndarray, gt: np.ndarray) -> None:
        """Add one ``(H, W)`` map (class ids, 255 uncertain) and its mask."""
        valid = gt != IGNORE_INDEX
        p = pred[valid].astype(np.int64)
        p[p == IGNORE_INDEX] = self.k  # the "uncertain" column
        g = gt[valid].astype(np.int64)
        counts = np.bincount(g * (self.k + 1) + p, minlength=self.k * (self.k + 1))
        self.all += counts.reshape(self.k, self.k + 1)
        self.scored += int(valid.sum())
        self.covered += int((p != self.k).sum())

    def class_iou(self, labelled: bool = False) -> np.ndarray:
        """Per-class IoU (NaN where undefined)."""
        conf = self.all[:, :self.k]
        if labelled:
            return np.asarray(_class_iou(conf))
        hit = np.diag(conf).astype(np.float64)
        union = self.all.sum(1) + conf.sum(0) - hit
        with np.errstate(invalid='ignore', divide='ignore'):
            return np.where(union > 0, hit / np.maximum(union, 1), np.nan)

    def summary(self) -> Dict[str, float]:
        """``mIoU``, ``mIoU_labelled`` and ``coverage``, in percent."""
        return dict(
            mIoU=float(np.nanmean(self.class_iou()) * 100),
            mIoU_labelled=float(np.nanmean(self.class_iou(True)) * 100),
            coverage=100.0 * self.covered / max(self.scored, 1))


def _dataset(cfg: Config, num_classes: int):
    """The stage config's test dataset, loading images and masks only."""
    ds_cfg = cfg.test_dataloader.dataset.copy()
    ds_cfg.pipeline = [dict(type='LoadImageFromFile'),
                       dict(type='LoadWeakAnnotations', num_classes=num_classes)]
    ds_cfg.keep_seg_map_path = True
    return DATASETS.build(ds_cfg)


def _plot_curve(path: str, thresholds, seed_curves: Dict[str, List[float]],
                lines: Dict[str, float], background: bool) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    for name, values in seed_curves.items():
        ax.plot(thresholds, values, marker='o', ms=3, label=name)
    for (name, value), style in zip(lines.items(), ('--', ':')):
        ax.axhline(value, ls=style, color='grey', label=f'{name} {value:.1f}')
    ax.set_xlabel('background threshold' if background else 'uncertain threshold')
    ax.set_ylabel('%')
    ax.set_ylim(0, 100)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format='png')
    plt.close(fig)
    write_bytes_atomic(path, buffer.getvalue())


def build_dashboard(cam_config: str,
                    irn_config: str,
                    out_dir: str,
                    num_images: int = 8,
                    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
                    visualizer: Optional[dict] = None) -> Dict[str, dict]:
    """Write the dashboard of a finished CAM dump and pseudo-label dump.

    Args:
        cam_config (str): The CAM stage config (its ``test_cfg.dump_dir``).
        irn_config (str): The affinity stage config (its test dataset, the
            train images, and ``test_cfg.dump_dir`` with ``rw/``, ``crf/``).
        out_dir (str): Output folder.
        num_images (int): Images drawn, evenly spaced over the split.
        thresholds (Sequence[float]): Seed thresholds of the curve.
        visualizer (dict, optional): Overrides of the visualizer config.

    Returns:
        dict: ``{stage: summary}`` of the stage table.

    Raises:
        FileNotFoundError / ValueError: A missing or corrupt dump (named).
    """
    from mmlabeleff.visualization import PseudoLabelVisualizer
    cam_cfg, irn_cfg = Config.fromfile(cam_config), Config.fromfile(irn_config)
    cam_dir = cam_cfg.test_cfg.dump_dir
    pseudo_dir = irn_cfg.test_cfg.dump_dir
    fields = dict(irn_cfg.test_cfg.get('label_fields', {'pred_sem_seg': 'rw'}))
    background = cam_cfg.model.decode_head.get('background_index')
    num_classes = cam_cfg.model.decode_head.num_classes
    dataset = _dataset(irn_cfg, num_classes)
    classes = dataset.metainfo['classes']
    vis = PseudoLabelVisualizer(name=f'pseudo_label_dashboard_{id(out_dir)}',
                                classes=list(classes),
                                palette=dataset.metainfo['palette'],
                                **(visualizer or {}))
    stage_dirs = {'random walk': osp.join(pseudo_dir, fields.get('pred_sem_seg', 'rw'))}
    if 'crf_sem_seg' in fields:
        stage_dirs['CRF'] = osp.join(pseudo_dir, fields['crf_sem_seg'])
    curve = [StageScores(len(classes)) for _ in thresholds]
    seed = StageScores(len(classes))
    stages = {name: StageScores(len(classes)) for name in stage_dirs}
    spread = np.linspace(0, len(dataset) - 1, num_images) if num_images > 0 else []
    drawn = set(np.round(spread).astype(int).tolist())
    for index in range(len(dataset)):
        item = dataset[index]
        img_path, gt = item['img_path'], item['gt_seg_map']
        arrays = load_cam_dump(dump_path(cam_dir, img_path))
        cams = torch.from_numpy(arrays['cams'].astype(np.float32))
        labels = arrays['cam_labels'].tolist()
        seed_map = cam_seed(cams, labels, background,
                            cam_cfg.model.test_cfg.get('bg_threshold', 0.15)
                            if background is not None else None).numpy()
        seed.add(seed_map, gt)
        for scores, t in zip(curve, thresholds):
            scores.add(cam_seed(cams, labels, background, float(t)).numpy(), gt)
        maps = {}
        for name, folder in stage_dirs.items():
            maps[name] = load_label_png(dump_path(folder, img_path, '.png'))
            stages[name].add(maps[name], gt)
        if index in drawn:
            sample = SegDataSample(metainfo=dict(cam_labels=labels, img_path=img_path))
            sample.cams = PixelData(data=cams)
            sample.pred_sem_seg = PixelData(data=torch.from_numpy(seed_map)[None])
            for name, field in (('random walk', 'rw_sem_seg'), ('CRF', 'crf_sem_seg')):
                if name in maps:
                    sample.set_field(PixelData(data=torch.from_numpy(
                        maps[name].astype(np.int64))[None]), field)
            sample.gt_sem_seg = PixelData(
                data=torch.from_numpy(gt.astype(np.int64))[None])
            rgb = np.ascontiguousarray(item['img'][..., ::-1])
            stem = osp.splitext(osp.basename(img_path))[0]
            save_png_atomic(osp.join(out_dir, 'images', f'{stem}.png'),
                            vis.draw_stages(rgb, sample))
    table = {'seed': seed.summary(), **{n: s.summary() for n, s in stages.items()}}
    curves = {'seed mIoU': [s.summary()['mIoU'] for s in curve]}
    if background is None:
        curves['seed coverage'] = [s.summary()['coverage'] for s in curve]
        curves['seed mIoU (labelled)'] = [s.summary()['mIoU_labelled'] for s in curve]
    _plot_curve(osp.join(out_dir, 'seed_curve.png'), list(thresholds), curves,
                {n: table[n]['mIoU'] for n in stages}, background is not None)
    write_text_atomic(osp.join(out_dir, 'summary.md'), _markdown(
        table, curves, thresholds, classes, seed, stages, background, cam_config,
        irn_config))
    return table


def _markdown(table, curves, thresholds, classes, seed, stages, background,
              cam_config, irn_config) -> str:
    seed_name = ('argmax of the tags\' CAMs' if background is None else
                 'CAMs under the background threshold of the CAM config')
    lines = [
        '# Pseudo-label dashboard', '',
        f'CAM stage `{cam_config}`, affinity stage `{irn_config}`; train images '
        'scored against their masks. mIoU counts uncertain pixels (255) as '
        'misses; mIoU (labelled) scores the labelled pixels only; coverage is '
        f'the labelled fraction of the scored pixels. Seed: {seed_name}.', '',
        '| stage | mIoU | mIoU (labelled) | coverage |', '|---|---:|---:|---:|']
    for name, row in table.items():
        lines.append(f'| {name} | {row["mIoU"]:.2f} | {row["mIoU_labelled"]:.2f} | '
                     f'{row["coverage"]:.1f} |')
    best = int(np.nanargmax(curves['seed mIoU']))
    lines += ['', f'Best seed threshold: {thresholds[best]:.2f} '
              f'(mIoU {curves["seed mIoU"][best]:.2f}); curve: `seed_curve.png`.', '',
              '| class | seed | ' + ' | '.join(stages) + ' |',
              '|---|---:|' + '---:|' * len(stages)]
    per_stage = [seed.class_iou()] + [s.class_iou() for s in stages.values()]
    for c, name in enumerate(classes):
        cells = ['-' if np.isnan(v[c]) else f'{v[c] * 100:.1f}' for v in per_stage]
        lines.append(f'| {name} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines) + '\n'
