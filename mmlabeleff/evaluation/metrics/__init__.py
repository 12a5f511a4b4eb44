"""Metrics of mmlabeleff, registered in :data:`mmlabeleff.registry.METRICS`."""
__all__ = []
