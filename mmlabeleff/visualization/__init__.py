"""Visualizers of mmlabeleff, registered in
:data:`mmlabeleff.registry.VISUALIZERS`."""
__all__ = []
