"""Low-level over-segmentations (superpixel maps) for SPML's low-level term.

SPML (Ke et al., ICLR 2021) takes its low-level image similarity from HED
contours + gPb-owt-ucm over-segmentations, a MATLAB / Caffe tool chain with
no offline substitute here. mmlabeleff precomputes a substitute with
scikit-image (BSD-3): Felzenszwalb and Huttenlocher's graph-based
segmentation (IJCV 2004, the default) or SLIC (Achanta et al., TPAMI 2012).
Both give segments without semantics that follow colour edges, which is all
the term asks of them; the deviation is documented in
``configs/spml/README.md``.

One map per image, ``<out_dir>/<image id>.png``: a 16-bit greyscale PNG of
segment ids ``0..n-1`` (ids can exceed 255), at the image's size, so that
the dataset's geometric transforms move it with the labels.
"""
import math
import os.path as osp
from typing import Dict, List, Optional, Sequence

import cv2
import numpy as np

from mmlabeleff.utils.atomic_io import dump_json_atomic, save_png_atomic

__all__ = [
    'SUPERPIXEL_METHODS', 'DEFAULT_SUPERPIXEL_PARAMS', 'compute_superpixels',
    'save_superpixel_map', 'load_superpixel_map', 'write_superpixel_maps'
]

SUPERPIXEL_METHODS = ('felzenszwalb', 'slic')
#: Defaults per method (chosen by looking at CamVid *train* images at
#: 480x360: about 120 segments per image that keep poles, signs, cars and
#: people apart from their surroundings).
DEFAULT_SUPERPIXEL_PARAMS: Dict[str, dict] = dict(
    felzenszwalb=dict(scale=300.0, sigma=0.8, min_size=100),
    slic=dict(n_segments=300, compactness=10.0, sigma=1.0),
)


def compute_superpixels(image: np.ndarray, method: str = 'felzenszwalb',
                        **params) -> np.ndarray:
    """Over-segment an RGB image.

    Args:
        image (np.ndarray): ``(H, W, 3)`` uint8 RGB.
        method (str): One of :data:`SUPERPIXEL_METHODS`.
        **params: Overrides of :data:`DEFAULT_SUPERPIXEL_PARAMS`.

    Returns:
        np.ndarray: ``(H, W)`` uint16 segment ids ``0..n-1``.

    Raises:
        ValueError: Unknown method or parameters, or not an RGB image.
    """
    from skimage import segmentation  # imported late: heavy
    if method not in SUPERPIXEL_METHODS:
        raise ValueError(f'unknown superpixel method {method!r}; expected one '
                         f'of {SUPERPIXEL_METHODS}')
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f'expected an (H, W, 3) RGB image, got {image.shape}')
    unknown = set(params) - set(DEFAULT_SUPERPIXEL_PARAMS[method])
    if unknown:
        raise ValueError(f'{method}: unknown parameters {sorted(unknown)} '
                         f'(known: {sorted(DEFAULT_SUPERPIXEL_PARAMS[method])})')
    kwargs = dict(DEFAULT_SUPERPIXEL_PARAMS[method], **params)
    positive = ('scale', 'n_segments', 'compactness')
    bad = {k: v for k, v in kwargs.items()
           if not isinstance(v, (int, float)) or not math.isfinite(v)
           or (k in positive and v <= 0) or v < 0}
    if bad:
        raise ValueError(f'{method}: parameters must be finite numbers '
                         f'(scale, n_segments, compactness > 0; sigma, '
                         f'min_size >= 0), got {bad}')
    if method == 'felzenszwalb':
        kwargs['min_size'] = int(kwargs['min_size'])
        segments = segmentation.felzenszwalb(image, **kwargs)
    else:
        kwargs['n_segments'] = int(kwargs['n_segments'])
        segments = segmentation.slic(image, start_label=0, **kwargs)
    _, ids = np.unique(segments, return_inverse=True)
    if ids.max(initial=0) > np.iinfo(np.uint16).max:
        raise ValueError(f'{ids.max() + 1} segments do not fit 16 bits')
    return ids.reshape(segments.shape).astype(np.uint16)


def save_superpixel_map(path: str, segments: np.ndarray) -> None:
    """Write a map as a 16-bit PNG, atomically."""
    save_png_atomic(path, np.ascontiguousarray(segments.astype(np.uint16)))


def load_superpixel_map(path: str) -> np.ndarray:
    """Read a map written by :func:`save_superpixel_map`.

    Raises:
        FileNotFoundError: If ``path`` does not exist.
        ValueError: If it cannot be decoded or is not a one-channel map.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: superpixel map not found')
    segments = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if segments is None:
        raise ValueError(f'{path}: cannot decode the superpixel map '
                         '(truncated or not a PNG; delete it and re-run '
                         'tools/dataset_converters/superpixels.py)')
    if segments.ndim != 2:
        raise ValueError(f'{path}: a superpixel map has one channel, got '
                         f'shape {segments.shape}')
    return segments


def write_superpixel_maps(samples: Sequence[dict], out_dir: str,
                          method: str = 'felzenszwalb',
                          params: Optional[dict] = None,
                          overwrite: bool = False) -> dict:
    """Over-segment every sample's image into ``<out_dir>/<id>.png``.

    Maps that exist are kept (a re-run completes an interrupted one), unless
    ``overwrite``. ``<out_dir>/superpixels.json`` records the method, its
    parameters and the number of segments per image.

    Args:
        samples (Sequence[dict]): Each with ``id`` and ``img_path``.
        out_dir (str): Output folder.
        method (str): One of :data:`SUPERPIXEL_METHODS`.
        params (dict, optional): Method parameters.
        overwrite (bool): Recompute existing maps. Defaults to False.

    Returns:
        dict: The summary written to ``superpixels.json``.
    """
    import os
    params = dict(params or {})
    os.makedirs(out_dir, exist_ok=True)
    counts: List[int] = []
    for sample in samples:
        path = osp.join(out_dir, f'{sample["id"]}.png')
        if osp.isfile(path) and not overwrite:
            counts.append(int(load_superpixel_map(path).max()) + 1)
            continue
        bgr = cv2.imread(sample['img_path'], cv2.IMREAD_COLOR)
        if bgr is None:
            raise ValueError(f'{sample["img_path"]}: cannot read the image')
        segments = compute_superpixels(bgr[..., ::-1].copy(), method, **params)
        save_superpixel_map(path, segments)
        counts.append(int(segments.max()) + 1)
    summary = dict(
        method=method,
        params=dict(DEFAULT_SUPERPIXEL_PARAMS[method], **params),
        num_images=len(counts),
        mean_segments=float(np.mean(counts)) if counts else 0.0,
        min_segments=int(min(counts)) if counts else 0,
        max_segments=int(max(counts)) if counts else 0)
    dump_json_atomic(osp.join(out_dir, 'superpixels.json'), summary, indent=1)
    return summary
