"""Atomic file writers: a temporary file in the same folder, then a rename.

Each writer creates the parent folders, writes to a hidden temporary file
beside the target (:func:`tempfile.mkstemp` with a ``.<name>.`` prefix),
gives it mode ``0o644`` and moves it over the target with :func:`os.replace`,
so readers see either the old file or the complete new one, never a partial
write. On any exception the temporary file is removed and the error
re-raised; an existing target is left untouched.
"""
import json
import os
import os.path as osp
import tempfile

import numpy as np
from PIL import Image

FILE_MODE = 0o644


def _write_atomic(path, write, mode='wb', encoding=None):
    """Call ``write(file)`` on a temporary file, then move it to ``path``.

    Args:
        path (str | os.PathLike): The file to write.
        write (Callable): Called with the open temporary file object.
        mode (str): ``'wb'`` or ``'w'``. Defaults to ``'wb'``.
        encoding (str, optional): Text encoding for ``mode='w'``.
    """
    path = os.fspath(path)
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        dir=folder, prefix=f'.{osp.basename(path)}.', suffix='.tmp')
    try:
        with os.fdopen(fd, mode, encoding=encoding) as f:
            write(f)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


def write_bytes_atomic(path, data):
    """Write ``data`` to ``path`` atomically.

    Args:
        path (str | os.PathLike): The file to write.
        data (bytes): The content.
    """
    _write_atomic(path, lambda f: f.write(data))


def write_text_atomic(path, text, encoding='utf-8'):
    """Write ``text`` to ``path`` atomically.

    Args:
        path (str | os.PathLike): The file to write.
        text (str): The content.
        encoding (str): Text encoding. Defaults to ``'utf-8'``.
    """
    _write_atomic(path, lambda f: f.write(text), mode='w', encoding=encoding)


def dump_json_atomic(path, obj, **json_kwargs):
    """Dump ``obj`` as JSON to ``path`` atomically.

    Args:
        path (str | os.PathLike): The file to write.
        obj: A JSON-serialisable object.
        **json_kwargs: Passed to :func:`json.dump` (``indent``,
            ``sort_keys``, ...).

    Raises:
        TypeError: If ``obj`` cannot be serialised (``path`` is unchanged).
    """
    _write_atomic(path, lambda f: json.dump(obj, f, **json_kwargs),
                  mode='w', encoding='utf-8')


def save_png_atomic(path, array):
    """Encode ``array`` as PNG (with Pillow) and write it to ``path``
    atomically.

    Args:
        path (str | os.PathLike): The PNG file to write.
        array (np.ndarray): ``(H, W)`` grey / label map or ``(H, W, 3)`` RGB
            image, in a dtype :func:`PIL.Image.fromarray` accepts (uint8).
    """
    image = Image.fromarray(np.ascontiguousarray(array))
    _write_atomic(path, lambda f: image.save(f, format='PNG'))
