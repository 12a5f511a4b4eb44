"""mIoU over named subsets of the classes, besides mmseg's IoU metrics."""
from typing import Dict, List, Mapping, Optional, Sequence

import numpy as np
from mmseg.evaluation import IoUMetric

from mmlabeleff.registry import METRICS

__all__ = ['SubsetIoUMetric']


@METRICS.register_module()
class SubsetIoUMetric(IoUMetric):
    """:class:`mmseg.evaluation.IoUMetric` plus the mIoU of class subsets.

    Some benchmarks train and evaluate in one label space but report the
    mean IoU over part of it. The UDA protocol of SYNTHIA -> Cityscapes
    (Ros et al., "The SYNTHIA Dataset", CVPR 2016; as reported by DAFormer,
    Hoyer et al., CVPR 2022, and ProDA, Zhang et al., CVPR 2021) predicts
    the 19 Cityscapes classes and reports the mean over the 16 classes that
    SYNTHIA labels (no terrain, truck, train) and over 13 of them (also
    without wall, fence and pole)::

        val_evaluator = dict(
            type='SubsetIoUMetric',
            iou_metrics=['mIoU'],
            subsets=dict(mIoU16=synthia_16_classes,
                         mIoU13=synthia_13_classes))

    Every metric of :class:`~mmseg.evaluation.IoUMetric` over all classes
    is returned unchanged (``aAcc``, ``mIoU``, ...), and one more value per
    subset under its key: the mean, in percent and rounded to two decimals
    as mmseg's ``mIoU``, of the per-class IoUs of that subset's classes
    computed over the whole evaluation set. Classes whose IoU is undefined
    (absent from both the labels and the predictions) are skipped, as in
    ``mIoU``; with ``nan_to_num`` they count as that number, as in ``mIoU``.
    A subset with every class undefined gives NaN.

    Subsets are given by class name and checked against
    ``dataset_meta['classes']`` as soon as the evaluator receives the
    dataset's meta information (before the first validation batch).

    Args:
        subsets (Mapping[str, Sequence[str]]): Result key -> class names,
            e.g. ``dict(mIoU16=[...], mIoU13=[...])``. Keys must differ from
            the keys of :class:`~mmseg.evaluation.IoUMetric`.
        **kwargs: Passed to :class:`~mmseg.evaluation.IoUMetric`
            (``ignore_index``, ``iou_metrics``, ``nan_to_num``, ...).
    """

    #: Keys IoUMetric itself may return; a subset may not shadow them.
    RESERVED_KEYS = ('aAcc', 'mIoU', 'mAcc', 'mDice', 'mFscore',
                     'mPrecision', 'mRecall')

    def __init__(self, subsets: Mapping[str, Sequence[str]],
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if not isinstance(subsets, Mapping) or not subsets:
            raise ValueError(
                'subsets must be a non-empty dict of result key -> class '
                f'names, got {subsets!r}')
        self.subsets: Dict[str, List[str]] = {}
        for key, names in subsets.items():
            if not isinstance(key, str) or key in self.RESERVED_KEYS:
                raise ValueError(
                    f'subset key {key!r} must be a string other than '
                    f'{", ".join(self.RESERVED_KEYS)}')
            if isinstance(names, str) or not names:
                raise ValueError(
                    f'subset {key!r} must be a non-empty sequence of class '
                    f'names, got {names!r}')
            names = list(names)
            repeated = sorted({n for n in names if names.count(n) > 1})
            if repeated:
                raise ValueError(
                    f'subset {key!r} names {repeated} more than once')
            self.subsets[key] = names

    @IoUMetric.dataset_meta.setter
    def dataset_meta(self, dataset_meta: Optional[dict]) -> None:
        """Set the meta information and check the subsets' class names."""
        if dataset_meta is not None and 'classes' in dataset_meta:
            self._subset_indices(dataset_meta['classes'])
        IoUMetric.dataset_meta.fset(self, dataset_meta)

    def _subset_indices(self,
                        classes: Sequence[str]) -> Dict[str, List[int]]:
        """Class indices of every subset.

        Raises:
            ValueError: If a subset names a class that ``classes`` lacks.
        """
        index = {name: i for i, name in enumerate(classes)}
        indices = {}
        for key, names in self.subsets.items():
            unknown = [n for n in names if n not in index]
            if unknown:
                raise ValueError(
                    f'{type(self).__name__}: subset {key!r} names classes '
                    f'that are not in the dataset: {unknown}; the dataset '
                    f'classes are {list(classes)}')
            indices[key] = [index[n] for n in names]
        return indices

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """IoUMetric's metrics, then the mean IoU of every subset.

        Args:
            results (list): Per-image ``(intersect, union, pred, label)``
                class histograms from :meth:`process`.

        Returns:
            Dict[str, float]: IoUMetric's keys and one key per subset.
        """
        metrics = super().compute_metrics(results)
        if self.format_only:
            return metrics
        indices = self._subset_indices(self.dataset_meta['classes'])
        intersect, union, pred_label, label = (
            sum(areas) for areas in zip(*results))
        class_iou = self.total_area_to_metrics(
            intersect, union, pred_label, label, ['mIoU'], self.nan_to_num,
            self.beta)['IoU']
        for key, idx in indices.items():
            values = class_iou[idx]
            if np.isnan(values).all():
                metrics[key] = float('nan')
            else:
                metrics[key] = np.round(np.nanmean(values) * 100, 2)
        return metrics
