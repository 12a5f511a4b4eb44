"""Files of the image-tag pipeline: CAM dumps and label maps from scores.

A CAM dump is one ``<dump_dir>/<image_id>.npz`` per image, written
atomically by :class:`~mmlabeleff.engine.runner.DumpTestLoop`:

==================  ========================================================
key                 value
==================  ========================================================
``cams``            float16 ``(T, H, W)``: the CAMs of the image's ``T``
                    tags at the image size, each with maximum ~1
``strided_cams``    float16 ``(T, ceil(H/4), ceil(W/4))``
``cam_labels``      int64 ``(T,)``: the class id of each CAM
``ori_shape``       int64 ``(2,)``: ``H, W``
==================  ========================================================

float16 halves the files (CamVid: about 1.5 MB per image instead of 7);
its rounding (at most 2.5e-4 on [0, 1]) is far below the steps of any
threshold the pipeline uses.
"""
import os.path as osp
import zipfile
from typing import Callable, Dict, Optional, Sequence

import numpy as np
import torch
from PIL import Image
from torch import Tensor

from mmlabeleff.structures.label_convention import IGNORE_INDEX
from mmlabeleff.utils.atomic_io import save_png_atomic, write_bytes_atomic

__all__ = ['cam_seed', 'save_cam_dump', 'load_cam_dump', 'CAM_DUMP_KEYS',
           'dump_path', 'load_label_png', 'confident_labels', 'cached_label_png']

CAM_DUMP_KEYS = ('cams', 'strided_cams', 'cam_labels', 'ori_shape')


def dump_path(dump_dir: str, img_path: str, suffix: str = '.npz') -> str:
    """``<dump_dir>/<image file stem><suffix>``."""
    stem = osp.splitext(osp.basename(img_path))[0]
    return osp.join(dump_dir, stem + suffix)


def cam_seed(scores: Tensor,
             labels: Sequence[int],
             background_index: Optional[int] = None,
             threshold: Optional[float] = None,
             ignore_index: int = IGNORE_INDEX) -> Tensor:
    """Label map of per-class scores: argmax, under a constant plane.

    IRN's rule (``step/eval_cam.py``, ``step/make_sem_seg_labels.py``): the
    ``(T, H, W)`` scores of the image's classes are stacked under a plane of
    value ``threshold`` and the argmax is taken (a tie goes to the plane).
    The plane stands for the background class when the dataset has one,
    and for "uncertain" (``ignore_index``) when it has none; without a
    ``threshold`` a dataset without background takes the plain argmax.

    Args:
        scores (Tensor): ``(T, H, W)`` scores.
        labels (Sequence[int]): The class id of each score map.
        background_index (int, optional): The background class, or None.
        threshold (float, optional): The plane's value. Required with a
            background class.
        ignore_index (int): Label of uncertain pixels. Defaults to 255.

    Returns:
        Tensor: ``(H, W)`` int64 class ids.
    """
    if scores.dim() != 3 or scores.shape[0] != len(labels):
        raise ValueError(f'scores {tuple(scores.shape)} must be (T, H, W) for '
                         f'{len(labels)} labels')
    if background_index is not None and threshold is None:
        raise ValueError('a dataset with a background class needs a threshold')
    plane = background_index if background_index is not None else ignore_index
    lut = list(int(c) for c in labels)
    if threshold is not None:
        scores = torch.cat([scores.new_full((1, ) + scores.shape[1:],
                                            float(threshold)), scores.float()])
        lut = [plane] + lut
    if not lut:
        return torch.full(scores.shape[1:], plane, dtype=torch.long,
                          device=scores.device)
    index = scores.float().argmax(dim=0)
    return torch.tensor(lut, dtype=torch.long, device=scores.device)[index]


def _to_numpy(value) -> np.ndarray:
    if isinstance(value, Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def save_cam_dump(path: str, cams, strided_cams, cam_labels: Sequence[int],
                  ori_shape: Sequence[int]) -> Dict[str, np.ndarray]:
    """Write one image's CAM dump atomically (compressed ``.npz``).

    Returns:
        dict: The arrays as stored (float16 CAMs), as :func:`load_cam_dump`
        would read them back.
    """
    import io
    arrays = dict(
        cams=_to_numpy(cams).astype(np.float16),
        strided_cams=_to_numpy(strided_cams).astype(np.float16),
        cam_labels=np.asarray(list(cam_labels), dtype=np.int64),
        ori_shape=np.asarray(list(ori_shape)[:2], dtype=np.int64))
    try:
        _check_arrays(path, arrays)
    except ValueError as err:
        raise ValueError(f'{path}: bad CAM dump: {err}') from None
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    write_bytes_atomic(path, buffer.getvalue())
    return arrays


def _check_arrays(path: str, arrays: Dict[str, np.ndarray]) -> None:
    cams, strided = arrays['cams'], arrays['strided_cams']
    labels, shape = arrays['cam_labels'], arrays['ori_shape']
    problems = []
    if cams.ndim != 3 or strided.ndim != 3:
        problems.append(f'cams {cams.shape} and strided_cams {strided.shape} '
                        'must be (T, H, W)')
    elif not (cams.shape[0] == strided.shape[0] == labels.shape[0]):
        problems.append(f'{labels.shape[0]} cam_labels for cams {cams.shape} '
                        f'and strided_cams {strided.shape}')
    elif shape.shape != (2, ) or tuple(cams.shape[1:]) != tuple(shape):
        problems.append(f'cams {cams.shape} do not match ori_shape {shape}')
    elif not (np.isfinite(cams).all() and np.isfinite(strided).all()):
        problems.append('NaN or infinite CAM values')
    if problems:
        raise ValueError(problems[0])


def load_cam_dump(path: str) -> Dict[str, np.ndarray]:
    """Read and check one CAM dump.

    Raises:
        FileNotFoundError: The file is missing.
        ValueError: The file is truncated, not an ``.npz``, lacks a key or
            holds inconsistent arrays; the message names the file and says
            to delete it so that the dump loop recomputes it.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: CAM dump not found')
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [k for k in CAM_DUMP_KEYS if k not in data.files]
            if missing:
                raise ValueError(f'missing {missing}')
            arrays = {k: data[k] for k in CAM_DUMP_KEYS}
        _check_arrays(path, arrays)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError,
            TypeError) as err:  # TypeError: a .npy array is no context manager
        raise ValueError(f'{path}: corrupt or truncated CAM dump ({err}); '
                         'delete it and run the dump again to recompute '
                         'it') from None
    return arrays


def confident_labels(cams: Tensor,
                     labels: Sequence[int],
                     refine,
                     background_index: Optional[int] = None,
                     conf_fg_thres: float = 0.30,
                     conf_bg_thres: float = 0.05,
                     ignore_index: int = IGNORE_INDEX) -> Tensor:
    """The confident regions of an image's CAMs, IRN's inter-pixel relation
    labels (``step/cam_to_ir_label.py`` of github.com/jiwoon-ahn/irn, MIT).

    The seed under a plane of ``conf_fg_thres`` is refined by ``refine``
    (IRN: a dense CRF with a unary from the labels), which gives the
    confident foreground; with a background class the same with
    ``conf_bg_thres`` gives the background where both agree on it. Pixels
    that the first says are below its plane and that are not confident
    background are uncertain (``ignore_index``). Without a background class
    every class is a "foreground" one and the plane only marks uncertainty.

    Args:
        cams (Tensor): ``(T, H, W)`` CAMs of the image's tags (max ~1).
        labels (Sequence[int]): Their class ids.
        refine (Callable): ``refine(index_map (1, H, W) int64, num_labels)
            -> (1, H, W)`` refined indices (labels ``0..T``, 0 the plane).
        background_index (int, optional): The background class or None.
        conf_fg_thres (float): IRN's 0.30.
        conf_bg_thres (float): IRN's 0.05.
        ignore_index (int): Label of uncertain pixels.

    Returns:
        Tensor: ``(H, W)`` int64 labels: class ids and ``ignore_index``.
    """
    lut = torch.tensor([ignore_index] + [int(c) for c in labels],
                       dtype=torch.long, device=cams.device)

    def refined(threshold: float) -> Tensor:
        plane = cams.new_full((1, ) + cams.shape[1:], float(threshold))
        index = torch.cat([plane, cams.float()]).argmax(dim=0)
        return refine(index[None], len(labels) + 1)[0]

    fg = refined(conf_fg_thres)
    out = lut[fg]
    if background_index is not None:
        bg = refined(conf_bg_thres)
        out[(fg == 0) & (bg == 0)] = background_index
    return out


def load_label_png(path: str) -> np.ndarray:
    """Read a ``(H, W)`` uint8 label PNG written by the loop.

    Raises:
        FileNotFoundError: The file is missing.
        ValueError: The file is truncated or not a one-channel PNG (the
            message names it and says to delete it).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: label map not found')
    try:
        with Image.open(path) as image:
            image.load()
            array = np.asarray(image)
    except (OSError, ValueError, SyntaxError) as err:
        raise ValueError(f'{path}: corrupt or truncated label PNG ({err}); '
                         'delete it and run the dump again to recompute it') from None
    if array.ndim != 2 or array.dtype != np.uint8:
        raise ValueError(f'{path}: a label PNG must be one uint8 channel, got '
                         f'shape {array.shape} {array.dtype}; delete it and run '
                         'the dump again')
    return array


def cached_label_png(path: str, make: Callable[[], np.ndarray],
                     shape: Sequence[int], img_path: str) -> np.ndarray:
    """A label map read from its cache ``path``, or made and cached.

    The cache of the labels that pipeline transforms compute once from an
    image's CAM dump (IRN's confident regions, SPML's CAM labels): when
    ``path`` exists it is read (:func:`load_label_png`), else ``make()``
    computes the ``(H, W)`` uint8 map, which is written atomically, so the
    first epoch fills the cache and an interrupted run resumes.

    Args:
        path (str): The cached PNG.
        make (Callable): Computes the label when it is not cached.
        shape (Sequence[int]): The image's ``(H, W)``.
        img_path (str): The image (for messages).

    Raises:
        ValueError: The label's size differs from the image's (names the
            file: a stale cache, or a transform placed after a resize).
    """
    if osp.isfile(path):
        label = load_label_png(path)
    else:
        label = make()
        save_png_atomic(path, label)
    if tuple(label.shape) != tuple(shape[:2]):
        raise ValueError(f'{path}: label of size {label.shape} for the image '
                         f'{img_path} of size {tuple(shape[:2])}; delete it, and '
                         'load it before any geometric transform')
    return label
