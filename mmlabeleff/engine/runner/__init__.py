"""Loops of mmlabeleff, registered in :data:`mmlabeleff.registry.LOOPS`."""
from .dump_test_loop import DumpTestLoop

__all__ = ['DumpTestLoop']
