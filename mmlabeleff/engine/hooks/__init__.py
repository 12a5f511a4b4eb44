"""Hooks of mmlabeleff, registered in :data:`mmlabeleff.registry.HOOKS`."""
from .pseudo_label_hook import PseudoLabelHook
from .self_training_hook import SelfTrainingHook

__all__ = ['PseudoLabelHook', 'SelfTrainingHook']
