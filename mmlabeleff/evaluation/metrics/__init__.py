"""Metrics of mmlabeleff, registered in :data:`mmlabeleff.registry.METRICS`."""
from .subset_iou_metric import SubsetIoUMetric

__all__ = ['SubsetIoUMetric']
