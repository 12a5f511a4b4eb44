"""ST++'s selection of reliable pseudo-labelled images.

Yang, Zhuo, Qi, Shi and Gao, "ST++: Make Self-training Work Better for
Semi-supervised Semantic Segmentation", CVPR 2022 (public code
github.com/LiheYoung/ST-PlusPlus, MIT; ``select_reliable.py``): an
unlabelled image is reliable when the predictions of the checkpoints saved
during supervised training agree with the final one. Its score is

    s_i = mean_{j < K} mIoU(M_ij, M_iK)

the mean over the earlier checkpoints ``j`` of the mean IoU between their
prediction and the final checkpoint's, computed over the image's pixels
(classes absent from both predictions are left out of the mean, as
``np.nanmean``). The images are sorted by decreasing score and the first
``floor(ratio * n)`` (half, as the public code) are reliable.

Here the predictions are the label dumps of
:class:`~mmlabeleff.engine.runner.DumpTestLoop` (``<dump>/<sub>/<id>.png``,
one per checkpoint), and the result is written as two split files in the
format of the unlabelled split (one line per image, so a dataset reads them
as its ``ann_file``) plus the scores, atomically.
"""
import json
import os.path as osp
from typing import Dict, List, Sequence

import numpy as np
from PIL import Image

from mmlabeleff.utils.atomic_io import write_text_atomic

__all__ = [
    'prediction_agreement', 'stability_scores', 'select_reliable',
    'score_pseudo_labels'
]


def prediction_agreement(pred: np.ndarray, final: np.ndarray,
                         num_classes: int) -> float:
    """Mean IoU of ``pred`` against ``final`` over the classes present in
    either (pixels of ``final`` outside ``0..num_classes-1`` are skipped).

    Returns:
        float: In ``[0, 1]``; NaN when no pixel is valid.
    """
    if pred.shape != final.shape:
        raise ValueError(f'predictions of shapes {pred.shape} and '
                         f'{final.shape} cannot be compared')
    valid = (final >= 0) & (final < num_classes)
    index = num_classes * final[valid].astype(np.int64) + np.clip(
        pred[valid].astype(np.int64), 0, num_classes - 1)
    hist = np.bincount(index, minlength=num_classes**2).reshape(
        num_classes, num_classes)
    union = hist.sum(0) + hist.sum(1) - np.diag(hist)
    present = union > 0
    if not present.any():
        return float('nan')
    return float((np.diag(hist)[present] / union[present]).mean())


def _read_label(path: str) -> np.ndarray:
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: prediction not found (did the '
                                'dump of this checkpoint finish?)')
    try:
        with Image.open(path) as img:
            return np.asarray(img)
    except OSError as err:
        raise ValueError(f'{path}: cannot read the prediction ({err})') from err


def stability_scores(dump_dirs: Sequence[str], image_ids: Sequence[str],
                     num_classes: int) -> Dict[str, float]:
    """ST++ stability of each image from the dumps of K checkpoints.

    Args:
        dump_dirs (Sequence[str]): Prediction folders (``<id>.png``), the
            earlier checkpoints first and the final one last (K >= 2).
        image_ids (Sequence[str]): Image ids (file stems).
        num_classes (int): Number of classes.

    Returns:
        dict[str, float]: ``id -> s_i``.
    """
    if len(dump_dirs) < 2:
        raise ValueError('stability needs the predictions of at least two '
                         f'checkpoints, got {len(dump_dirs)}')
    scores = {}
    for img_id in image_ids:
        preds = [_read_label(osp.join(d, f'{img_id}.png')) for d in dump_dirs]
        values = [prediction_agreement(p, preds[-1], num_classes)
                  for p in preds[:-1]]
        scores[img_id] = float(np.nanmean(values)) if not all(
            np.isnan(values)) else 0.0
    return scores


def _split_lines(path: str) -> List[str]:
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: split file not found')
    with open(path, encoding='utf-8') as f:
        lines = [line.strip() for line in f if line.strip()]
    if not lines:
        raise ValueError(f'{path}: split file lists no images')
    return lines


def _line_id(line: str) -> str:
    """The image id (file stem of the first path) of a split line."""
    return osp.splitext(osp.basename(line.split()[0]))[0]


def select_reliable(dump_dirs: Sequence[str], split_file: str, out_dir: str,
                    num_classes: int, ratio: float = 0.5) -> dict:
    """Write ``reliable.txt``, ``unreliable.txt`` and ``scores.json``.

    Args:
        dump_dirs (Sequence[str]): Prediction folders of the K checkpoints,
            the final one last.
        split_file (str): The unlabelled split (lines kept as they are).
        out_dir (str): Output folder.
        num_classes (int): Number of classes.
        ratio (float): Fraction of reliable images. Defaults to 0.5.

    Returns:
        dict: ``reliable`` and ``unreliable`` counts and the files.
    """
    if not 0.0 < ratio < 1.0:
        raise ValueError(f'ratio must be in (0, 1), got {ratio}')
    lines = _split_lines(split_file)
    ids = [_line_id(line) for line in lines]
    scores = stability_scores(dump_dirs, ids, num_classes)
    order = sorted(range(len(lines)), key=lambda i: (-scores[ids[i]], i))
    num_reliable = int(len(lines) * ratio)
    reliable = [lines[i] for i in order[:num_reliable]]
    unreliable = [lines[i] for i in order[num_reliable:]]
    out = dict(reliable=osp.join(out_dir, 'reliable.txt'),
               unreliable=osp.join(out_dir, 'unreliable.txt'),
               scores=osp.join(out_dir, 'scores.json'))
    write_text_atomic(out['scores'], json.dumps(
        dict(dumps=list(dump_dirs), ratio=ratio,
             scores={ids[i]: scores[ids[i]] for i in order}), indent=1))
    write_text_atomic(out['unreliable'], ''.join(f'{x}\n' for x in unreliable))
    # written last: its existence marks the step as done
    write_text_atomic(out['reliable'], ''.join(f'{x}\n' for x in reliable))
    return dict(num_reliable=len(reliable), num_unreliable=len(unreliable),
                **out)


def score_pseudo_labels(dump_dir: str, dataset) -> dict:
    """Score a folder of label maps against the ground truth of a dataset.

    What checks ST++'s premise on data with masks for the unlabelled images
    (CamVid): the final checkpoint's labels of the reliable half should be
    better than those of the unreliable half. The label map of each image
    of ``dataset`` is ``dump_dir/<image stem>.png``; its ground truth is
    the dataset's mask with the dataset's ``label_map`` applied (e.g.
    CamVid's void 11 -> 255). Scored by
    :class:`~mmlabeleff.evaluation.metrics.PseudoLabelMetric` (mmseg's
    ``IoUMetric`` summed over the images; 255 in a label map is an
    unlabelled pixel, counted as a miss).

    Args:
        dump_dir (str): Folder of ``<id>.png`` label maps.
        dataset: An mmseg ``BaseSegDataset`` (e.g. built on the reliable
            split), whose data infos have ``img_path``, ``seg_map_path``
            and ``label_map``, and whose metainfo has ``classes``.

    Returns:
        dict: The metric's results (``aAcc``, ``mIoU``, ``mAcc``,
        ``coverage`` ...), ``IoU`` (class name -> IoU in percent, NaN for
        a class absent from both) and ``num_images``.
    """
    import torch

    from mmlabeleff.evaluation.metrics import PseudoLabelMetric
    metric = PseudoLabelMetric(ignore_index=dataset.ignore_index)
    metric.dataset_meta = dict(classes=tuple(dataset.metainfo['classes']))
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        stem = osp.splitext(osp.basename(info['img_path']))[0]
        pred = _read_label(osp.join(dump_dir, f'{stem}.png'))
        gt_path = info['seg_map_path']
        if not osp.isfile(gt_path):
            raise FileNotFoundError(f'{gt_path}: ground-truth mask not found')
        gt = _read_label(gt_path).astype(np.int64)
        mapped = gt.copy()
        for old, new in (info.get('label_map') or {}).items():
            mapped[gt == old] = new
        metric.process({}, [dict(
            img_path=info['img_path'],
            pred_sem_seg=dict(data=torch.from_numpy(pred.astype(np.int64))),
            gt_sem_seg=dict(data=torch.from_numpy(mapped)))])
    if not metric.results:
        raise ValueError('the dataset lists no images to score')
    results = {name: round(float(value), 2)
               for name, value in metric.compute_metrics(
                   metric.results).items()}
    results['IoU'] = {name: round(float(iou) * 100, 2) for name, iou in
                      metric.last_class_iou['IoU'].items()}
    results['num_images'] = len(dataset)
    return results
