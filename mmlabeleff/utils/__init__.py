"""Utilities of mmlabeleff (scope registration, checkpoints, distributed,
atomic file writes, label remapping)."""
from .atomic_io import (
    dump_json_atomic,
    save_png_atomic,
    write_bytes_atomic,
    write_text_atomic,
)
from .checkpoint import (
    CorruptCheckpointError,
    UnsafeCheckpointError,
    checkpoint_safe_globals,
    load_checkpoint_safely,
    register_checkpoint_safe_globals,
)
from .dist import setup_cpu_distributed, teardown_distributed
from .label_remap import lookup_table, read_id_list, read_label_ids, remap_label_files
from .setup_env import register_all_modules

__all__ = [
    'register_all_modules', 'load_checkpoint_safely', 'checkpoint_safe_globals',
    'register_checkpoint_safe_globals', 'UnsafeCheckpointError',
    'CorruptCheckpointError',
    'setup_cpu_distributed', 'teardown_distributed', 'write_bytes_atomic',
    'write_text_atomic',
    'dump_json_atomic', 'save_png_atomic', 'read_label_ids',
    'remap_label_files', 'lookup_table', 'read_id_list'
]
