"""The label convention of mmlabeleff (see :mod:`.label_convention`)."""
from .label_convention import (DOMAINS, IGNORE_INDEX, MAX_NUM_CLASSES,
                               SPARSE_SUPERVISION_TYPES, SUPERVISION_TYPES,
                               UNLABELED_INDEX, check_label_map,
                               image_labels_from_instances,
                               image_labels_from_map)
from .weak_label_simulator import WeakLabelSimulator

__all__ = [
    'IGNORE_INDEX', 'UNLABELED_INDEX', 'MAX_NUM_CLASSES', 'SUPERVISION_TYPES',
    'SPARSE_SUPERVISION_TYPES', 'DOMAINS', 'image_labels_from_map',
    'image_labels_from_instances', 'check_label_map', 'WeakLabelSimulator'
]
