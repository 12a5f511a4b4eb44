"""Loops of mmlabeleff, registered in :data:`mmlabeleff.registry.LOOPS`."""
__all__ = []
