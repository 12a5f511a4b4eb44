"""Metrics of mmlabeleff, registered in :data:`mmlabeleff.registry.METRICS`."""
from .cam_seed_metric import CAMSeedMetric
from .pseudo_label_metric import PseudoLabelMetric
from .subset_iou_metric import SubsetIoUMetric

__all__ = ['SubsetIoUMetric', 'CAMSeedMetric', 'PseudoLabelMetric']
