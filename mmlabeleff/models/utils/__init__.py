"""Helpers shared by mmlabeleff's heads and segmentors (not registered)."""
from .training_labels import image_class_mask, stack_training_labels

__all__ = ['image_class_mask', 'stack_training_labels']
