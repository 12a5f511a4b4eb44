"""Hooks of mmlabeleff, registered in :data:`mmlabeleff.registry.HOOKS`."""
from .self_training_hook import SelfTrainingHook

__all__ = ['SelfTrainingHook']
