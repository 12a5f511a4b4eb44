"""Median-frequency class weights of the labels a run trains on.

Median-frequency balancing (Eigen and Fergus, "Predicting Depth, Surface
Normals and Semantic Labels with a Common Multi-Scale Convolutional
Architecture", ICCV 2015; the CamVid setting of SegNet, Badrinarayanan et
al., TPAMI 2017) weighs the loss of class ``c`` by::

    freq(c)   = labelled pixels of c / labelled pixels of the images that
                contain c
    weight(c) = median over classes of freq / freq(c)

so that the class of median frequency gets 1, rarer classes more. Here the
pixels counted are those of the label maps a run trains on: a folder of
sparse maps (scribbles, points, partial masks; 254 unlabeled and 255 ignore
are not labelled) or of dense masks (255, or a raw void id mapped to it, is
not labelled). A class "is contained" in an image when at least one of its
pixels is labelled there.

``denominator='image'`` counts every pixel of the images that contain ``c``
(void and unlabeled included) instead; this is how the weights of the CamVid
reference config
(``configs/fully_supervised/deeplabv3plus/deeplabv3plus-mfb_efflite0_1xb8-2k_camvid-full-176x176.py``)
were measured, and it reproduces them to the 4 decimals printed there.

``tools/analysis_tools/class_weights.py`` is the command line. Written for
mmlabeleff from the papers' definition; no code was copied.
"""
import os
import os.path as osp
from typing import Dict, Iterable, List, Optional, Sequence

import numpy as np

from .label_convention import IGNORE_INDEX, MAX_NUM_CLASSES

__all__ = [
    'CLASS_WEIGHT_DENOMINATORS', 'count_class_frequencies',
    'median_frequency_weights', 'list_label_files',
    'class_weights_from_folder'
]

#: What ``freq(c)`` divides by: the labelled pixels or all pixels of the
#: images that contain ``c``.
CLASS_WEIGHT_DENOMINATORS = ('labelled', 'image')


def count_class_frequencies(label_maps: Iterable[np.ndarray],
                            num_classes: int,
                            denominator: str = 'labelled') -> Dict:
    """Sum the counts of :func:`median_frequency_weights` over label maps.

    Args:
        label_maps (Iterable[np.ndarray]): Integer maps: class ids
            ``0..K-1``; any other value (254 unlabeled, 255 ignore) is not
            labelled.
        num_classes (int): K.
        denominator (str): ``'labelled'`` (the labelled pixels of each image
            that contains the class) or ``'image'`` (all its pixels).
            Defaults to ``'labelled'``.

    Returns:
        dict: ``class_pixels`` (K ints: labelled pixels of each class),
        ``image_pixels`` (K ints: the denominator summed over the images
        that contain the class), ``images_with_class`` (K ints),
        ``num_images``, ``labelled_pixels`` and ``total_pixels``.

    Raises:
        ValueError: If ``denominator`` is unknown.
    """
    if denominator not in CLASS_WEIGHT_DENOMINATORS:
        raise ValueError(f'denominator must be one of '
                         f'{CLASS_WEIGHT_DENOMINATORS}, got {denominator!r}')
    class_pixels = np.zeros(num_classes, dtype=np.int64)
    image_pixels = np.zeros(num_classes, dtype=np.int64)
    images_with_class = np.zeros(num_classes, dtype=np.int64)
    num_images = labelled = total = 0
    for label_map in label_maps:
        values = np.asarray(label_map).reshape(-1).astype(np.int64)
        counts = np.bincount(values[(values >= 0) & (values < num_classes)],
                             minlength=num_classes)
        present = counts > 0
        pixels = int(counts.sum()) if denominator == 'labelled' else values.size
        class_pixels += counts
        image_pixels[present] += pixels
        images_with_class += present
        num_images += 1
        labelled += int(counts.sum())
        total += values.size
    return dict(class_pixels=class_pixels.tolist(),
                image_pixels=image_pixels.tolist(),
                images_with_class=images_with_class.tolist(),
                num_images=num_images, labelled_pixels=labelled,
                total_pixels=total)


def median_frequency_weights(class_pixels: Sequence[int],
                             image_pixels: Sequence[int],
                             decimals: Optional[int] = 4) -> Dict:
    """``median(freq) / freq(c)`` from the counts of
    :func:`count_class_frequencies`.

    A class with no labelled pixel has no frequency: it is left out of the
    median and gets weight 0 (it adds nothing to a loss anyway), and it is
    listed under ``missing``.

    Args:
        class_pixels (Sequence[int]): Labelled pixels of each class.
        image_pixels (Sequence[int]): Pixels (labelled, or all) of the
            images that contain each class.
        decimals (int, optional): Round the weights to this many decimals,
            as configs write them (the CamVid reference has 4); None keeps
            full precision. Defaults to 4.

    Returns:
        dict: ``weights`` (K floats), ``frequencies`` (K floats, None for a
        missing class), ``median`` and ``missing`` (class ids).

    Raises:
        ValueError: If the lengths differ or no class has a labelled pixel.
    """
    class_pixels = np.asarray(class_pixels, dtype=np.float64)
    image_pixels = np.asarray(image_pixels, dtype=np.float64)
    if class_pixels.shape != image_pixels.shape:
        raise ValueError(f'{class_pixels.size} class counts but '
                         f'{image_pixels.size} image counts')
    seen = class_pixels > 0
    if not seen.any():
        raise ValueError('no class has a labelled pixel')
    freq = np.zeros_like(class_pixels)
    freq[seen] = class_pixels[seen] / image_pixels[seen]
    median = float(np.median(freq[seen]))
    weights = np.zeros_like(freq)
    weights[seen] = median / freq[seen]
    if decimals is not None:
        weights = np.round(weights, decimals)
    return dict(weights=[float(w) for w in weights],
                frequencies=[float(f) if s else None
                             for f, s in zip(freq, seen)],
                median=median,
                missing=[int(c) for c in np.flatnonzero(~seen)])


def list_label_files(folder: str, suffix: str = '.png') -> List[str]:
    """The label maps under ``folder`` (recursively, sorted).

    Args:
        folder (str): A folder of label PNGs (sparse maps or dense masks).
        suffix (str): File suffix. Defaults to ``'.png'``.

    Returns:
        list[str]: Paths.

    Raises:
        FileNotFoundError: If the folder is missing or holds no such file
            (named in the message).
    """
    if not osp.isdir(folder):
        raise FileNotFoundError(f'{folder}: folder not found')
    paths = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        paths += [osp.join(root, name) for name in sorted(files)
                  if name.endswith(suffix) and not name.startswith('.')]
    if not paths:
        raise FileNotFoundError(f'{folder}: no *{suffix} label maps found')
    return paths


def class_weights_from_folder(folder: str,
                              num_classes: int,
                              label_map: Optional[Dict[int, int]] = None,
                              suffix: str = '.png',
                              paths: Optional[Sequence[str]] = None,
                              denominator: str = 'labelled',
                              decimals: Optional[int] = 4) -> Dict:
    """Median-frequency class weights of a folder of label maps.

    Args:
        folder (str): Sparse maps (``data/camvid_weak/scribbles_r100``) or
            dense masks (``data/camvid/trainannot``).
        num_classes (int): K; values ``0..K-1`` are labels, any other is
            not (254, 255, or a raw void id).
        label_map (dict, optional): ``{raw value: new value}`` applied first,
            e.g. ``{11: 255}`` for CamVid's raw void id (values >= K are
            ignored anyway). Defaults to none.
        suffix (str): Label-map suffix. Defaults to ``'.png'``.
        paths (Sequence[str], optional): The files to read, e.g. those of a
            split; every file under ``folder`` when None.
        denominator (str): ``'labelled'`` (default) or ``'image'``; see
            :func:`count_class_frequencies`.
        decimals (int, optional): Rounding of the weights. Defaults to 4.

    Returns:
        dict: The counts of :func:`count_class_frequencies`, the result of
        :func:`median_frequency_weights`, ``folder``, ``denominator`` and
        ``num_classes``.

    Raises:
        FileNotFoundError: If the folder or a file is missing.
        ValueError: If a file cannot be decoded (named), ``num_classes`` is
            out of range or no class is labelled.
    """
    from mmlabeleff.utils.label_remap import read_label_ids  # utils use us
    if not 0 < num_classes <= MAX_NUM_CLASSES:
        raise ValueError(f'num_classes must be in 1..{MAX_NUM_CLASSES}, '
                         f'got {num_classes}')
    if paths is None:
        paths = list_label_files(folder, suffix)
    lut = np.arange(256, dtype=np.uint8)
    for old, new in (label_map or {}).items():
        lut[old] = new

    def maps():
        for path in paths:
            yield lut[read_label_ids(path, 'label map')]

    counts = count_class_frequencies(maps(), num_classes, denominator)
    if counts['labelled_pixels'] == 0:
        raise ValueError(f'{folder}: no pixel of the {num_classes} classes '
                         f'is labelled (values >= {num_classes}, e.g. '
                         f'{IGNORE_INDEX}, are not labels)')
    result = median_frequency_weights(counts['class_pixels'],
                                      counts['image_pixels'], decimals)
    result.update(counts)
    result.update(folder=folder, denominator=denominator,
                  num_classes=num_classes)
    return result
