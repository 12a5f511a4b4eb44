"""Turn a training checkpoint into a slim, hash-named release checkpoint.

The logic of ``tools/misc/publish_model.py``. Like OpenMMLab's
``publish_model.py`` tools, the training-only state (``optimizer``,
``param_schedulers``, ``message_hub``, ``ema_state_dict`` and anything else
besides the weights) is dropped, and the first 8 hex digits of the file's
sha256 are appended to the file name so that downloads can be verified.
Unlike them, the input is read with ``torch.load(weights_only=True)``
(through :func:`mmlabeleff.utils.checkpoint.load_checkpoint_safely`), so a
checkpoint that carries arbitrary pickled objects is refused instead of being
executed; ``meta`` is reduced to a few plain-Python fields (no training
config with the trainer's paths), so the published file loads with a plain
``torch.load(weights_only=True)``; and the file is written atomically.
"""
import hashlib
import os
import os.path as osp
import tempfile
from collections import OrderedDict

import numpy as np
import torch

from ..version import __version__
from .checkpoint import load_checkpoint_safely

__all__ = ['KEPT_META_KEYS', 'slim_checkpoint', 'publish_checkpoint']

#: ``meta`` keys copied from the training checkpoint; everything else (the
#: training config text, seed, experiment name, time stamps) is dropped.
KEPT_META_KEYS = ('dataset_meta', 'epoch', 'iter', 'mmengine_version')


def _load_checkpoint(in_file: str):
    """Load ``in_file`` with ``weights_only=True`` and an mmengine allow-list.

    Raises:
        FileNotFoundError: If ``in_file`` does not exist.
        pickle.UnpicklingError or RuntimeError: If the file cannot be loaded
            safely; the message names the file.
    """
    if not osp.isfile(in_file):
        raise FileNotFoundError(f'checkpoint file not found: {in_file}')
    try:
        return load_checkpoint_safely(in_file, map_location='cpu')
    except Exception as err:  # torch raises several types for bad pickles
        if in_file in str(err):
            raise
        raise RuntimeError(
            f'refusing to load checkpoint {in_file}: {err}') from err


def _to_builtin(obj):
    """Recursively replace numpy scalars and arrays by Python values."""
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, dict):
        return type(obj)((k, _to_builtin(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_builtin(v) for v in obj)
    return obj


def slim_checkpoint(checkpoint) -> dict:
    """Keep only the weights and a slim ``meta`` of a training checkpoint.

    Args:
        checkpoint (dict): An mmengine checkpoint (with ``state_dict``) or a
            bare state dict (a mapping of names to tensors).

    Returns:
        dict: ``{'meta': ..., 'state_dict': ...}``. ``meta`` holds the
        :data:`KEPT_META_KEYS` found in the input (numpy values turned into
        Python values) plus ``mmlabeleff_version``, the version that
        published the file.

    Raises:
        ValueError: If ``checkpoint`` holds no weights.
    """
    if not isinstance(checkpoint, dict):
        raise ValueError('a checkpoint must be a dict, got '
                         f'{type(checkpoint).__name__}')
    if 'state_dict' in checkpoint:
        state_dict = checkpoint['state_dict']
        old_meta = checkpoint.get('meta') or {}
    elif checkpoint and all(
            isinstance(v, torch.Tensor) for v in checkpoint.values()):
        state_dict, old_meta = checkpoint, {}
    else:
        raise ValueError('no "state_dict" in the checkpoint (keys: '
                         f'{sorted(map(str, checkpoint))})')
    if not isinstance(state_dict, dict):
        raise ValueError('"state_dict" must be a dict, got '
                         f'{type(state_dict).__name__}')

    meta = {k: _to_builtin(old_meta[k]) for k in KEPT_META_KEYS
            if k in old_meta}
    meta['mmlabeleff_version'] = __version__
    weights = OrderedDict(state_dict)
    if hasattr(state_dict, '_metadata'):  # module versions, used by loading
        weights._metadata = state_dict._metadata
    return {'meta': meta, 'state_dict': weights}


def _sha256(path: str, chunk_size: int = 1 << 20) -> str:
    """The hex sha256 digest of the file at ``path``."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(chunk_size), b''):
            digest.update(chunk)
    return digest.hexdigest()


def _current_umask() -> int:
    """The process umask (``os.umask`` can only be read by setting it)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def publish_checkpoint(in_file: str, out_file: str) -> str:
    """Publish ``in_file`` as ``{out_file stem}-{sha256[:8]}.pth``.

    The slim checkpoint (:func:`slim_checkpoint`) is saved to a temporary
    file next to ``out_file`` (through an open file object, so that the
    bytes, and hence the hash, do not depend on the temporary name), checked
    to load with a plain ``torch.load(weights_only=True)``, hashed, and
    renamed to its final name with :func:`os.replace`. No temporary file is
    left behind on failure.

    Args:
        in_file (str): Training checkpoint to read.
        out_file (str): Requested output path; its extension is replaced by
            ``-{sha256[:8]}.pth``.

    Returns:
        str: Path of the published checkpoint.

    Raises:
        FileNotFoundError: If ``in_file`` does not exist.
        pickle.UnpicklingError or RuntimeError: If ``in_file`` holds pickled
            objects outside the allow-list (the message names the file).
        ValueError: If ``in_file`` holds no weights.
    """
    try:
        checkpoint = slim_checkpoint(_load_checkpoint(in_file))
    except ValueError as err:
        raise ValueError(f'{in_file}: {err}') from err

    out_dir = osp.dirname(osp.abspath(out_file))
    os.makedirs(out_dir, exist_ok=True)
    fd, tmp_path = tempfile.mkstemp(
        dir=out_dir, prefix=f'.{osp.basename(out_file)}.', suffix='.tmp')
    try:
        with os.fdopen(fd, 'wb') as f:
            torch.save(checkpoint, f)
            f.flush()
            os.fsync(f.fileno())
        # The release must load anywhere without an allow-list.
        torch.load(tmp_path, map_location='cpu', weights_only=True)
        os.chmod(tmp_path, 0o666 & ~_current_umask())
        sha = _sha256(tmp_path)
        final_file = f'{osp.splitext(out_file)[0]}-{sha[:8]}.pth'
        os.replace(tmp_path, final_file)
    except BaseException:
        if osp.exists(tmp_path):
            os.remove(tmp_path)
        raise
    return final_file
