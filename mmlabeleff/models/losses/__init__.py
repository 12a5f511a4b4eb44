"""Losses of mmlabeleff (one loss per file: function + module)."""
from .base_teacher_loss import BaseTeacherLoss, check_teacher_shapes
from .blp_loss import BLPLoss, blp_loss
from .dense_crf_loss import DenseCRFLoss, dense_crf_loss
from .partial_cross_entropy_loss import PartialCrossEntropyLoss, partial_cross_entropy
from .pseudo_label_cross_entropy_loss import (
                                              PseudoLabelCrossEntropyLoss,
                                              pseudo_label_cross_entropy,
)
from .segsort_loss import SegSortLoss, segsort_loss
from .softmax_mse_loss import SoftmaxMSELoss, softmax_mse

__all__ = [
    'BaseTeacherLoss', 'check_teacher_shapes', 'BLPLoss', 'blp_loss',
    'DenseCRFLoss', 'dense_crf_loss',
    'PartialCrossEntropyLoss', 'partial_cross_entropy', 'SegSortLoss',
    'segsort_loss', 'PseudoLabelCrossEntropyLoss', 'pseudo_label_cross_entropy',
    'SoftmaxMSELoss', 'softmax_mse'
]
