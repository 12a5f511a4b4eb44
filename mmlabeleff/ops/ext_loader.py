"""Access to the compiled extension ``mmlabeleff._ext``.

Every op in :mod:`mmlabeleff.ops` calls :func:`get_ext_function` for its
kernel. When the extension (or one of its functions) is missing, for example
in a source checkout that was never built, or has no kernel for the tensors'
device (CUDA tensors with a CPU-only build), the op falls back to its
pure-PyTorch reference and says so once per function and device with a
warning, instead of failing.
"""
import importlib
import warnings
from typing import Callable, Optional

import torch

__all__ = ['get_ext_function', 'ext_is_compiled_with_cuda']

_warned: set = set()


def _load_ext():
    try:
        return importlib.import_module('mmlabeleff._ext')
    except ImportError:
        return None


def get_ext_function(name: str, device=None) -> Optional[Callable]:
    """Return ``mmlabeleff._ext.<name>``, or None with a one-time warning.

    Args:
        name (str): Name of the compiled function, e.g. ``'dense_crf_forward'``.
        device (torch.device | str, optional): Where the op's tensors are.
            The compiled function serves CPU tensors, and CUDA tensors when the
            extension was built with CUDA; for other devices this returns None.

    Returns:
        Callable | None: The compiled function, or None when the extension is
        not built, lacks ``name``, or has no kernel for ``device`` (the caller
        then uses its reference implementation).
    """
    ext = _load_ext()
    fn = getattr(ext, name, None) if ext is not None else None
    dev_type = torch.device(device).type if device is not None else 'cpu'
    if fn is None:
        why = ('mmlabeleff._ext is not built' if ext is None else
               f'mmlabeleff._ext has no function {name!r} (rebuild it with '
               '`pip install -e . --no-build-isolation --no-deps`)')
    elif dev_type == 'cuda' and not ext_is_compiled_with_cuda():
        fn, why = None, 'mmlabeleff._ext was built without CUDA (make build-cuda)'
    elif dev_type not in ('cpu', 'cuda'):
        fn, why = None, f'mmlabeleff._ext has no kernels for {dev_type} tensors'
    else:
        return fn
    if (name, dev_type) not in _warned:
        _warned.add((name, dev_type))
        warnings.warn(
            f'{why}; using the pure-PyTorch reference instead of the compiled '
            f'kernel for {name}. It gives the same results, more slowly.',
            RuntimeWarning, stacklevel=3)
    return None


def ext_is_compiled_with_cuda() -> bool:
    """Whether ``mmlabeleff._ext`` exists and was compiled with CUDA kernels."""
    ext = _load_ext()
    if ext is None:
        return False
    return ext.get_compiling_cuda_version() != 'not compiled with CUDA'
