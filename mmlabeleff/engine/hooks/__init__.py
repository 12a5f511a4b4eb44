"""Hooks of mmlabeleff, registered in :data:`mmlabeleff.registry.HOOKS`."""
__all__ = []
