"""Evaluation of mmlabeleff: metrics (see :mod:`.metrics`)."""
from .metrics import *  # noqa: F401,F403
