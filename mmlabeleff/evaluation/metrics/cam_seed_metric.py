"""Quality of CAM seeds over a sweep of background thresholds."""
from collections import OrderedDict
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from mmseg.evaluation import IoUMetric
from prettytable import PrettyTable

from mmlabeleff.registry import METRICS
from mmlabeleff.structures.label_convention import IGNORE_INDEX

__all__ = ['CAMSeedMetric']


def _as_numpy(value) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def _confusion(gt: np.ndarray, pred: np.ndarray, num_classes: int,
               ignore_index: int) -> np.ndarray:
    """``(K, K)`` counts of (ground truth, prediction) over the non-ignored
    pixels; rows are ground truth."""
    valid = gt != ignore_index
    index = gt[valid].astype(np.int64) * num_classes + pred[valid]
    return np.bincount(index, minlength=num_classes**2).reshape(
        num_classes, num_classes)


def _nan_argmax(values: Sequence[float], members: Iterable[int]) -> int:
    """The member with the largest non-NaN value (the first one if all are
    NaN; the first of equal values)."""
    members = list(members)
    finite = [i for i in members if not np.isnan(values[i])]
    if not finite:
        return members[0]
    return max(finite, key=lambda i: (values[i], -i))


def _class_iou(confusion: np.ndarray) -> np.ndarray:
    """Per-class IoU of a ``(K, K)`` confusion matrix, by mmseg's
    ``IoUMetric.total_area_to_metrics`` (NaN where a class is absent from
    both ground truth and prediction)."""
    conf = torch.from_numpy(confusion).double()
    hit = torch.diagonal(conf)
    pred, label = conf.sum(0), conf.sum(1)
    return IoUMetric.total_area_to_metrics(hit, pred + label - hit, pred,
                                           label, ['mIoU'])['IoU']


@METRICS.register_module()
class CAMSeedMetric(BaseMetric):
    """mIoU of the seeds that class activation maps give, over a sweep of
    background scores, as IRN's ``eval_cam`` step.

    Ahn, Cho and Kwak, "Weakly Supervised Learning of Instance Segmentation
    with Inter-pixel Relations" (IRN), CVPR 2019; public code
    github.com/jiwoon-ahn/irn (MIT licence), ``step/eval_cam.py``: the CAMs
    of an image's classes, each normalised to a maximum of 1, are stacked
    under a constant background plane ``t`` and the seed is their argmax;
    IRN evaluates ``t = 0.15`` on VOC train. This metric evaluates every
    ``t`` of ``bg_thresholds`` in one pass, and optionally the background
    score ``(1 - max_c CAM_c)^alpha`` of AffinityNet (Ahn and Kwak, CVPR
    2018) for every ``alpha`` of ``bg_alphas``, and reports the best.

    A tie goes to the background (the plane comes first, as in IRN's
    ``np.argmax``). Confusions are summed over the whole set before the
    IoU, as IRN (chainercv) and mmseg do; mIoU is the mean over the classes
    present in the ground truth or the seeds.

    Datasets without a background class (``background_index=None``, e.g.
    MSRC-21, CamVid: every pixel belongs to one of the tagged classes) have
    no threshold to sweep: the seed is the argmax over the image's CAMs and
    the metric reports that one mIoU.

    Each data sample must hold ``cams`` (a ``PixelData`` or dict whose
    ``data`` is a ``(C, H, W)`` float tensor: the CAMs of the ``C`` classes
    of the image, at the ground truth's size), the metainfo ``cam_labels``
    (the ``C`` class ids) and ``gt_sem_seg``.

    Results (mIoU in percent, two decimals, as mmseg): ``mIoU``, the best
    over all forms; ``threshold``, the best constant ``t`` (when
    ``bg_thresholds`` is given) and ``alpha``, the best exponent (when
    ``bg_alphas`` is); ``mIoU@t<t>`` for every threshold and
    ``mIoU@alpha<alpha>`` for every alpha. The per-class IoU of the best
    form is logged as a table and kept in :attr:`last_results` with the
    whole curve, for the dashboards.

    Args:
        num_classes (int, optional): K, classes of the label space (with the
            background). Defaults to ``len(dataset_meta['classes'])``.
        background_index (int, optional): The background class id, or None
            for datasets without one. Defaults to 0.
        bg_thresholds (Sequence[float]): Constant background scores.
            Defaults to 0.05, 0.10, ..., 0.95.
        bg_alphas (Sequence[float]): Exponents of the ``(1 - max)^alpha``
            background. Defaults to none.
        ignore_index (int): Ground-truth value that is not scored. Defaults
            to 255.
        **kwargs: ``collect_device``, ``prefix`` of
            :class:`mmengine.evaluator.BaseMetric`.
    """
    default_prefix = 'seed'

    def __init__(self,
                 num_classes: Optional[int] = None,
                 background_index: Optional[int] = 0,
                 bg_thresholds: Sequence[float] = tuple(
                     np.round(np.arange(0.05, 0.951, 0.05), 2)),
                 bg_alphas: Sequence[float] = (),
                 ignore_index: int = IGNORE_INDEX,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.num_classes = num_classes
        self.background_index = background_index
        self.bg_thresholds = [float(t) for t in bg_thresholds]
        self.bg_alphas = [float(a) for a in bg_alphas]
        self.ignore_index = ignore_index
        if background_index is not None and not (self.bg_thresholds
                                                 or self.bg_alphas):
            raise ValueError('CAMSeedMetric: give bg_thresholds or bg_alphas '
                             'for a dataset with a background class')
        if any(not 0 <= t <= 1 for t in self.bg_thresholds):
            raise ValueError('bg_thresholds must lie in [0, 1], got '
                             f'{self.bg_thresholds}')
        if any(not a > 0 for a in self.bg_alphas):
            raise ValueError(f'bg_alphas must be positive, got {self.bg_alphas}')
        #: Everything of the last :meth:`compute_metrics`: ``forms`` (name
        #: -> mIoU), ``best`` (its name), ``class_iou`` (per class, best).
        self.last_results: Dict[str, object] = {}

    @property
    def forms(self) -> List[Tuple[str, Optional[float]]]:
        """``(kind, value)`` of every background form, in result order:
        ``('threshold', t)``, ``('alpha', a)``, or ``('argmax', None)``
        without a background class."""
        if self.background_index is None:
            return [('argmax', None)]
        return ([('threshold', t) for t in self.bg_thresholds] +
                [('alpha', a) for a in self.bg_alphas])

    @staticmethod
    def form_name(form: Tuple[str, Optional[float]]) -> str:
        """``'t0.15'``, ``'alpha4'`` or ``'argmax'``."""
        kind, value = form
        if kind == 'argmax':
            return kind
        return f"{'t' if kind == 'threshold' else 'alpha'}{value:g}"

    def _num_classes(self) -> int:
        if self.num_classes is not None:
            return self.num_classes
        if not self.dataset_meta or 'classes' not in self.dataset_meta:
            raise ValueError('CAMSeedMetric: set num_classes, or evaluate a '
                             'dataset whose metainfo has classes')
        return len(self.dataset_meta['classes'])

    def seeds(self, cams: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """``(F, H, W)`` seed label maps of one image, one per form.

        Args:
            cams (np.ndarray): ``(C, H, W)`` CAMs of the image's classes.
            labels (np.ndarray): The ``C`` class ids.

        Returns:
            np.ndarray: int64 class ids.
        """
        if cams.ndim != 3 or cams.shape[0] != len(labels):
            raise ValueError(f'cams of shape {cams.shape} do not match '
                             f'{len(labels)} cam_labels')
        if len(labels) == 0:
            fill = (self.background_index if self.background_index
                    is not None else self.ignore_index)
            return np.full((len(self.forms), ) + cams.shape[1:], fill,
                           np.int64)
        top = cams.max(axis=0)
        fg = labels[cams.argmax(axis=0)]
        if self.background_index is None:
            return fg[None]
        scores = [np.full_like(top, t) for t in self.bg_thresholds]
        scores += [np.power(np.clip(1 - top, 0, None), a)
                   for a in self.bg_alphas]
        return np.stack([np.where(top > s, fg, self.background_index)
                         for s in scores])

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Add each image's confusion matrices (one per background form).

        Args:
            data_batch: Unused.
            data_samples (Sequence[dict]): With ``cams``, ``cam_labels`` and
                ``gt_sem_seg`` (see the class docstring).
        """
        num_classes = self._num_classes()
        for sample in data_samples:
            for key in ('cams', 'cam_labels', 'gt_sem_seg'):
                if key not in sample:
                    raise KeyError(f'CAMSeedMetric: a data sample has no '
                                   f'{key!r} (img_path '
                                   f"{sample.get('img_path')})")
            cams = _as_numpy(sample['cams']['data']).astype(np.float32)
            labels = _as_numpy(sample['cam_labels']).astype(np.int64)
            gt = _as_numpy(sample['gt_sem_seg']['data'])[0]
            if not np.isfinite(cams).all():
                raise ValueError(f"{sample.get('img_path')}: cams contain NaN "
                                 'or infinite values')
            if cams.shape[1:] != gt.shape:
                raise ValueError(
                    f"{sample.get('img_path')}: cams {cams.shape[1:]} and "
                    f'ground truth {gt.shape} differ in size')
            scored = gt[gt != self.ignore_index]
            if scored.size and (scored.min() < 0
                                or scored.max() >= num_classes):
                raise ValueError(
                    f"{sample.get('img_path')}: ground truth holds classes "
                    f'outside 0..{num_classes - 1} and {self.ignore_index}')
            if labels.size and (labels.min() < 0
                                or labels.max() >= num_classes):
                raise ValueError(f"{sample.get('img_path')}: cam_labels "
                                 f'{labels.tolist()} outside 0..'
                                 f'{num_classes - 1}')
            self.results.append(np.stack([
                _confusion(gt, seed, num_classes, self.ignore_index)
                for seed in self.seeds(cams, labels)
            ]))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """The best mIoU over the background forms, and every form's.

        Args:
            results (list): ``(F, K, K)`` confusions of every image.

        Returns:
            dict: ``mIoU``, ``threshold`` and ``mIoU@<form>`` (percent).
        """
        logger: MMLogger = MMLogger.get_current_instance()
        confusion = np.sum(results, axis=0)
        class_ious = [_class_iou(c) for c in confusion]
        mious = [float(np.nanmean(iou)) if not np.isnan(iou).all() else
                 float('nan') for iou in class_ious]
        forms = self.forms
        names = [self.form_name(form) for form in forms]
        best = _nan_argmax(mious, range(len(forms)))
        metrics = OrderedDict(mIoU=np.round(mious[best] * 100, 2))
        for kind in ('threshold', 'alpha'):
            members = [i for i, form in enumerate(forms) if form[0] == kind]
            if members:
                metrics[kind] = forms[_nan_argmax(mious, members)][1]
        if self.background_index is not None:
            for name, miou in zip(names, mious):
                metrics[f'mIoU@{name}'] = np.round(miou * 100, 2)
        classes = (self.dataset_meta or {}).get(
            'classes', [str(i) for i in range(len(class_ious[best]))])
        table = PrettyTable()
        table.add_column('Class', list(classes))
        table.add_column('IoU', [np.round(v * 100, 2)
                                 for v in class_ious[best]])
        print_log(f'CAM seeds, best background form {names[best]}:\n' +
                  table.get_string(), logger=logger)
        self.last_results = dict(
            forms=OrderedDict(zip(names, mious)), best=names[best],
            class_iou=OrderedDict(zip(classes, class_ious[best].tolist())))
        return metrics
