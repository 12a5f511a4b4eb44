"""Quality of pseudo masks: IoU, coverage, foreground precision / recall."""
from collections import OrderedDict
from typing import Dict, Optional, Sequence

import numpy as np
import torch
from mmengine.logging import print_log
from mmseg.evaluation import IoUMetric
from prettytable import PrettyTable

from mmlabeleff.registry import METRICS
from mmlabeleff.structures.label_convention import IGNORE_INDEX

__all__ = ['PseudoLabelMetric']


def _check_same_size(sample: dict, first: tuple, second: tuple) -> None:
    """Raise naming the image when two ``(name, tensor)`` maps differ in
    their last two dimensions."""
    (name_a, a), (name_b, b) = first, second
    if a.shape[-2:] != b.shape[-2:]:
        raise ValueError(f"{sample.get('img_path')}: {name_a} "
                         f'{tuple(a.shape[-2:])} and {name_b} '
                         f'{tuple(b.shape[-2:])} differ in size')


@METRICS.register_module()
class PseudoLabelMetric(IoUMetric):
    """:class:`mmseg.evaluation.IoUMetric` for pseudo masks that leave
    uncertain pixels unlabelled, plus what such masks need besides mIoU.

    Pseudo-label generators (CAM seeds, IRN's confident regions, random
    walk, dense CRF) mark pixels they are unsure of with ``uncertain_index``
    (255, the segmentation stage then ignores them). A mask that labels few
    pixels well must not look better than one that labels all of them
    almost as well, so the metric reports both:

    * IoUMetric's results (``aAcc``, ``mIoU``, ``mAcc`` ... and the logged
      per-class table), with uncertain pixels counted as misses, the
      convention of the WSSS literature (IRN's ``eval_sem_seg``);
    * ``mIoU_labelled``: the mIoU over the pixels the mask labels;
    * ``coverage``: the share of scored pixels (ground truth not
      ``ignore_index``) the mask labels;
    * ``fg_precision`` / ``fg_recall``: of the pixels the mask gives a
      foreground class, the share whose class is right; of the ground-truth
      foreground pixels, the share the mask gives their class. Foreground
      is every class but ``background_index`` (every class when it is
      None, as for MSRC-21 or CamVid, whose classes are all objects or
      stuff).

    All in percent with two decimals, as mmseg; the per-class IoU of both
    kinds is also kept in :attr:`last_class_iou` for the dashboards, and
    per class (:attr:`last_class_labelled`, logged as a second table) the
    share of its ground-truth pixels the mask labels (``Coverage``), the
    share of the labelled pixels it gets (``Share``, where the mask's
    labels go) and how many of those are right (``Precision``).

    With ``confidence_threshold`` the metric scores a segmentor's own
    predictions as the pseudo labels a confidence-thresholded
    semi-supervised loss would learn (FixMatch / UniMatch: 0.95): a pixel
    is labelled when its largest softmax probability (of the data sample's
    ``seg_logits``) reaches the threshold, uncertain otherwise. E.g.
    ``tools/test.py CONFIG CKPT --cfg-options test_evaluator.type=PseudoLabelMetric
    test_evaluator.confidence_threshold=0.95``.

    Each data sample holds ``pred_sem_seg`` (the pseudo mask; another field
    with ``pred_field``, e.g. ``crf_sem_seg`` of
    :class:`~mmlabeleff.models.IRNet`) and ``gt_sem_seg``, as for IoUMetric.

    Args:
        background_index (int, optional): The background class, or None.
            Defaults to None.
        uncertain_index (int): Pseudo-mask value of an unlabelled pixel.
            Defaults to 255.
        pred_field (str): The data sample field scored. Defaults to
            ``'pred_sem_seg'``.
        confidence_threshold (float, optional): In (0, 1]: score
            ``pred_field`` with the pixels whose largest softmax probability
            in ``seg_logits`` is below it made uncertain. Defaults to None
            (the mask as it is).
        **kwargs: Passed to :class:`mmseg.evaluation.IoUMetric`
            (``ignore_index``, ``iou_metrics``, ``prefix`` ...).
    """
    default_prefix: Optional[str] = 'pseudo'

    def __init__(self,
                 background_index: Optional[int] = None,
                 uncertain_index: int = IGNORE_INDEX,
                 pred_field: str = 'pred_sem_seg',
                 confidence_threshold: Optional[float] = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if confidence_threshold is not None and not (
                isinstance(confidence_threshold, (int, float))
                and not isinstance(confidence_threshold, bool)
                and 0.0 < confidence_threshold <= 1.0):
            raise ValueError('confidence_threshold must be in (0, 1], got '
                             f'{confidence_threshold!r}')
        self.confidence_threshold = confidence_threshold
        self.pred_field = pred_field
        self.background_index = background_index
        self.uncertain_index = uncertain_index
        #: ``{'IoU': {class: iou}, 'IoU_labelled': {class: iou}}`` of the
        #: last :meth:`compute_metrics` (fractions, NaN if undefined).
        self.last_class_iou: Dict[str, Dict[str, float]] = {}
        #: ``{'Coverage' | 'Share' | 'Precision': {class: fraction}}`` of the
        #: last :meth:`compute_metrics` (NaN if undefined).
        self.last_class_labelled: Dict[str, Dict[str, float]] = {}

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Add each mask's class areas, of all scored pixels and of the
        labelled ones, and its coverage and foreground counts.

        Args:
            data_batch (dict): Unused.
            data_samples (Sequence[dict]): With ``pred_sem_seg`` and
                ``gt_sem_seg``.
        """
        num_classes = len(self.dataset_meta['classes'])
        for sample in data_samples:
            if self.pred_field not in sample:
                raise KeyError(f'{sample.get("img_path")}: no {self.pred_field!r} '
                               'to score')
            pred = sample[self.pred_field]['data']
            label = sample['gt_sem_seg']['data']
            _check_same_size(sample, ('pseudo mask', pred),
                             ('ground truth', label))
            pred = pred.squeeze()
            label = label.squeeze().to(pred)
            if self.confidence_threshold is not None:
                pred = self._threshold(sample, pred, num_classes)
            for name, values, allowed in (
                    ('pseudo mask', pred, self.uncertain_index),
                    ('ground truth', label, self.ignore_index)):
                bad = ((values < 0) | (values >= num_classes)) & (
                    values != allowed)
                if bad.any():
                    raise ValueError(
                        f"{sample.get('img_path')}: {name} holds "
                        f'{int(values[bad][0])}, outside 0..{num_classes - 1} '
                        f'and {allowed}')
            scored = label != self.ignore_index
            labelled = scored & (pred != self.uncertain_index)
            label_of_labelled = torch.where(
                labelled, label, torch.full_like(label, self.ignore_index))
            is_fg_pred = labelled & self._foreground(pred, num_classes)
            is_fg_gt = scored & self._foreground(label, num_classes)
            hit = labelled & (pred == label)
            counts = np.array([
                int(scored.sum()), int(labelled.sum()), int(is_fg_pred.sum()),
                int((is_fg_pred & hit).sum()), int(is_fg_gt.sum()),
                int((is_fg_gt & hit).sum())
            ], dtype=np.int64)
            self.results.append(
                (self.intersect_and_union(pred, label, num_classes,
                                          self.ignore_index),
                 self.intersect_and_union(pred, label_of_labelled,
                                          num_classes, self.ignore_index),
                 counts))

    def _threshold(self, sample: dict, pred: torch.Tensor,
                   num_classes: int) -> torch.Tensor:
        """``pred`` with the pixels under the confidence threshold set to
        ``uncertain_index``."""
        if 'seg_logits' not in sample:
            raise KeyError(f'{sample.get("img_path")}: confidence_threshold '
                           'needs the predicted seg_logits')
        logits = sample['seg_logits']['data']
        _check_same_size(sample, ('seg_logits', logits),
                         (self.pred_field, pred))
        if logits.dim() != 3 or logits.shape[0] != num_classes:
            raise ValueError(
                f"{sample.get('img_path')}: seg_logits "
                f'{tuple(logits.shape)} are not ({num_classes}, H, W)')
        confidence = logits.float().softmax(dim=0).amax(dim=0).to(pred.device)
        return torch.where(confidence >= self.confidence_threshold, pred,
                           torch.full_like(pred, self.uncertain_index))

    def _foreground(self, values: torch.Tensor,
                    num_classes: int) -> torch.Tensor:
        fg = (values >= 0) & (values < num_classes)
        if self.background_index is not None:
            fg &= values != self.background_index
        return fg

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """IoUMetric's metrics, then ``mIoU_labelled``, ``coverage``,
        ``fg_precision`` and ``fg_recall``.

        Args:
            results (list): Per-mask ``(areas, labelled areas, counts)``.

        Returns:
            Dict[str, float]: The metrics, in percent.
        """
        metrics = super().compute_metrics([r[0] for r in results])
        areas = [sum(a) for a in zip(*[r[1] for r in results])]
        labelled_iou = self.total_area_to_metrics(
            *areas, ['mIoU'], self.nan_to_num, self.beta)['IoU']
        all_areas = [sum(a) for a in zip(*[r[0] for r in results])]
        class_iou = self.total_area_to_metrics(
            *all_areas, ['mIoU'], self.nan_to_num, self.beta)['IoU']
        scored, labelled, fg_pred, fg_pred_hit, fg_gt, fg_gt_hit = np.sum(
            [r[2] for r in results], axis=0)

        def percent(num, den):
            return float(np.round(num / den * 100, 2)) if den else float('nan')

        labelled_iou = np.asarray(labelled_iou, dtype=np.float64)
        metrics['mIoU_labelled'] = (
            float(np.round(np.nanmean(labelled_iou) * 100, 2))
            if not np.isnan(labelled_iou).all() else float('nan'))
        metrics['coverage'] = percent(labelled, scored)
        metrics['fg_precision'] = percent(fg_pred_hit, fg_pred)
        metrics['fg_recall'] = percent(fg_gt_hit, fg_gt)
        classes = self.dataset_meta['classes']
        self.last_class_iou = OrderedDict(
            IoU=OrderedDict(zip(classes, np.asarray(class_iou).tolist())),
            IoU_labelled=OrderedDict(zip(classes, labelled_iou.tolist())))
        # areas of the labelled pixels: intersect, union, pred, label
        hit, _, given, gt_labelled = (np.asarray(a, dtype=np.float64)
                                      for a in areas)
        gt_all = np.asarray(all_areas[3], dtype=np.float64)
        with np.errstate(divide='ignore', invalid='ignore'):
            columns = OrderedDict(
                Coverage=gt_labelled / gt_all,
                Share=given / given.sum(),
                Precision=hit / given)
        self.last_class_labelled = OrderedDict(
            (name, OrderedDict(zip(classes, values.tolist())))
            for name, values in columns.items())
        self._log_labelled_table(classes, columns)
        return metrics

    def _log_labelled_table(self, classes: Sequence[str],
                            columns: Dict[str, np.ndarray]) -> None:
        """Log the per-class labelled-pixel table (percent), as IoUMetric
        logs its per-class table."""
        table = PrettyTable()
        table.add_column('Class', list(classes))
        for name, values in columns.items():
            table.add_column(name, [
                'nan' if np.isnan(v) else round(float(v) * 100, 2)
                for v in values
            ])
        print_log('per class, labelled pixels:\n' + table.get_string(),
                  logger='current')
