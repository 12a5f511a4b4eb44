"""Utilities of mmlabeleff (scope registration, checkpoints, distributed)."""
from .checkpoint import (UnsafeCheckpointError, checkpoint_safe_globals,
                         load_checkpoint_safely,
                         register_checkpoint_safe_globals)
from .dist import setup_cpu_distributed
from .setup_env import register_all_modules

__all__ = [
    'register_all_modules', 'load_checkpoint_safely', 'checkpoint_safe_globals',
    'register_checkpoint_safe_globals', 'UnsafeCheckpointError',
    'setup_cpu_distributed'
]
