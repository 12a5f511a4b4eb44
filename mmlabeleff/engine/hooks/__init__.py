"""Hooks of mmlabeleff, registered in :data:`mmlabeleff.registry.HOOKS`."""
from .memory_bank_hook import MemoryBankHook
from .pseudo_label_hook import PseudoLabelHook
from .self_training_hook import SelfTrainingHook

__all__ = ['MemoryBankHook', 'PseudoLabelHook', 'SelfTrainingHook']
