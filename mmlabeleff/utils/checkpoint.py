"""Load full mmengine checkpoints with ``torch.load(weights_only=True)``.

Since torch 2.6, ``torch.load`` refuses to unpickle anything but tensors and
plain containers unless told otherwise. Full mmengine checkpoints (the ones
``--resume`` needs) also hold ``HistoryBuffer`` objects of the message hub and
numpy scalars and arrays. Rather than switching ``weights_only`` off (which
would let a checkpoint run arbitrary code), this module allow-lists exactly
those classes with :func:`torch.serialization.add_safe_globals` and replaces
mmengine's loader for local files by one that explains a refusal.
"""
import os.path as osp
import pickle
import zipfile

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner import CheckpointLoader

_REGISTERED = False


def _numpy_safe_globals() -> list:
    """numpy objects that appear in mmengine checkpoints (scalars, arrays)."""
    try:  # numpy >= 2
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # numpy 1.x
        from numpy.core.multiarray import _reconstruct, scalar
    dtype_classes = [type(np.dtype(t)) for t in (
        np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8,
        np.uint16, np.uint32, np.uint64, np.float16, np.float32, np.float64)]
    return [_reconstruct, scalar, np.ndarray, np.dtype] + dtype_classes


# HistoryBuffer pickles its statistics methods (``HistoryBuffer.min`` ...) as
# ``getattr(HistoryBuffer, 'min')``. Allowing ``builtins.getattr`` itself would
# let a checkpoint reach any attribute of any allowed object (and from there
# arbitrary code), so that global is mapped to this restricted version.
_HISTORY_BUFFER_METHODS = frozenset({'min', 'max', 'current', 'mean'})


def history_buffer_getattr(obj, name: str):
    """``getattr`` limited to HistoryBuffer's built-in statistics methods.

    Args:
        obj: The object the checkpoint asks an attribute of.
        name (str): The attribute name.

    Returns:
        The method ``HistoryBuffer.<name>``.

    Raises:
        pickle.UnpicklingError: For any other object or attribute.
    """
    if obj is HistoryBuffer and name in _HISTORY_BUFFER_METHODS:
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'getattr({getattr(obj, "__name__", type(obj).__name__)}, {name!r}) '
        'is not allowed in a checkpoint')


def checkpoint_safe_globals() -> list:
    """The classes and functions allowed inside an mmengine checkpoint.

    Returns:
        list: Items to pass to :func:`torch.serialization.add_safe_globals`
        (objects, or ``(object, pickled_name)`` pairs).
    """
    return ([HistoryBuffer, (history_buffer_getattr, 'builtins.getattr')] +
            _numpy_safe_globals())


def register_checkpoint_safe_globals() -> None:
    """Allow-list mmengine checkpoint contents and install the safe loader.

    Idempotent. Called by :func:`mmlabeleff.utils.register_all_modules`.
    """
    global _REGISTERED
    if _REGISTERED:
        return
    torch.serialization.add_safe_globals(checkpoint_safe_globals())
    # '' is the scheme of local paths in mmengine's CheckpointLoader.
    CheckpointLoader.register_scheme(
        prefixes='', loader=_load_from_local, force=True)
    _REGISTERED = True


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds objects outside the allow-list."""


class CorruptCheckpointError(ValueError):
    """A file is not a readable PyTorch checkpoint (empty, truncated, or
    another format)."""


def load_checkpoint_safely(filename: str, map_location='cpu') -> dict:
    """``torch.load`` a checkpoint with ``weights_only=True``.

    Args:
        filename (str): Path of the checkpoint file.
        map_location: Passed to :func:`torch.load`. Defaults to ``'cpu'``.

    Returns:
        dict: The checkpoint.

    Raises:
        FileNotFoundError: If ``filename`` does not exist.
        UnsafeCheckpointError: If the file holds pickled objects that are
            not on the allow-list (their names are given in the message).
        CorruptCheckpointError: If the file is not a readable checkpoint
            (empty, truncated, random bytes, text, ...).
    """
    register_checkpoint_safe_globals()
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename}: checkpoint file does not exist')
    try:
        return torch.load(filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        if not zipfile.is_zipfile(filename) and \
                'Unsupported global' not in str(err):
            raise _corrupt(filename, err) from err
        try:
            unsafe = torch.serialization.get_unsafe_globals_in_checkpoint(filename)
        except Exception:  # not a zip checkpoint: report the original error
            unsafe = []
        unsafe = [name for name in unsafe if not _is_allowed(name)]
        what = ', '.join(unsafe) if unsafe else _unpickler_reason(err)
        raise UnsafeCheckpointError(
            f'{filename}: refused to load this checkpoint: it contains pickled '
            f'objects that are not tensors or mmengine checkpoint contents '
            f'({what}). Loading it would run code from the file. Only if you '
            'trust its source, load it yourself with torch.load(..., '
            'weights_only=False) and save its state_dict.') from err
    except (EOFError, KeyError, ValueError) as err:
        raise _corrupt(filename, err) from err
    except RuntimeError as err:
        if zipfile.is_zipfile(filename) and \
                'PytorchStreamReader' not in str(err):
            raise
        raise _corrupt(filename, err) from err


def _corrupt(filename: str, err: Exception) -> CorruptCheckpointError:
    """The error for a file torch cannot read as a checkpoint at all."""
    if osp.getsize(filename) == 0:
        reason = 'the file is empty'
    elif isinstance(err, pickle.UnpicklingError):
        reason = _unpickler_reason(err)
    else:
        lines = [ln.strip() for ln in str(err).splitlines() if ln.strip()]
        first = lines[0].split('. ')[0] if lines else ''
        reason = f'{type(err).__name__}: {first}'.strip()
    return CorruptCheckpointError(
        f'{filename}: not a readable PyTorch checkpoint (truncated, '
        f'corrupt or another format; {reason}). Re-download or re-save it.')


def _unpickler_reason(err: Exception) -> str:
    """The part of torch's error that says what the unpickler refused."""
    text = str(err)
    marker = 'WeightsUnpickler error:'
    if marker in text:
        text = text.split(marker, 1)[1]
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[0] if lines else type(err).__name__


def _is_allowed(name: str) -> bool:
    allowed = {
        item[1] if isinstance(item, tuple) else
        f'{item.__module__}.{item.__qualname__}'
        for item in checkpoint_safe_globals()
    }
    return name in allowed


def _load_from_local(filename: str, map_location) -> dict:
    """mmengine CheckpointLoader scheme for local files (see module doc)."""
    return load_checkpoint_safely(filename, map_location=map_location)
