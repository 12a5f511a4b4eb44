"""Draw what a semi-supervised model trains on in one step.

The logic of ``tools/analysis_tools/show_semi_batch.py``: one real training
batch of a semi-supervised config goes through the model's data
preprocessor and the teacher (as in a training step, without gradient), and
for each unlabelled image one picture shows, side by side and at training
resolution:

- ``sup``: the labelled crop of the same batch position with its mask;
- ``weak``: the teacher's view with its pseudo label (the argmax), the
  pixels the unsupervised loss drops (confidence under the loss's
  threshold, or padding) darkened;
- ``strong`` (``strong2``, ...): each strong view after CutMix / ClassMix
  with its partner, with the mixed pseudo label it is trained towards,
  dropped pixels darkened likewise.

The share of kept pixels is written in each panel's name. The drawing is
:meth:`~mmlabeleff.visualization.WeakSegLocalVisualizer.draw_views`; the
targets come from the model's ``student_targets``
(:class:`~mmlabeleff.models.segmentors.SemiBaseSegmentor`).
"""
import os.path as osp
from typing import List, Tuple

import numpy as np
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from torch import Tensor

from mmlabeleff.models.segmentors.semi_base_segmentor import SUP, WEAK
from mmlabeleff.structures import IGNORE_INDEX

__all__ = ['normalized_to_rgb', 'pseudo_label_map', 'semi_batch_views',
           'draw_semi_batch']


def normalized_to_rgb(images: Tensor, preprocessor) -> List[np.ndarray]:
    """Undo a data preprocessor's normalisation: ``(N, 3, H, W)`` -> RGB.

    Args:
        images (Tensor): Images as the preprocessor returned them.
        preprocessor: mmseg's ``SegDataPreProcessor`` or mmengine's
            ``ImgDataPreprocessor`` (or a subclass), or mmdet's
            ``MultiBranchDataPreprocessor`` around one.

    Returns:
        list[np.ndarray]: ``(H, W, 3)`` uint8 RGB images.
    """
    inner = getattr(preprocessor, 'data_preprocessor', preprocessor)
    images = images.detach().float().cpu()
    if getattr(inner, '_enable_normalize', False):
        images = images * inner.std.cpu() + inner.mean.cpu()
    # mmseg's SegDataPreProcessor names the flag ``channel_conversion``,
    # mmengine's ImgDataPreprocessor ``_channel_conversion``
    converted = getattr(inner, 'channel_conversion',
                        getattr(inner, '_channel_conversion', False))
    if not converted:
        images = images[:, [2, 1, 0]]  # still BGR as mmcv read it
    array = images.clamp(0, 255).round().byte().permute(0, 2, 3, 1).numpy()
    return [np.ascontiguousarray(image) for image in array]


def pseudo_label_map(probs: Tensor, valid: Tensor, threshold: float
                     ) -> Tuple[np.ndarray, float]:
    """Argmax labels with the pixels a loss drops set to ``IGNORE_INDEX``.

    Args:
        probs (Tensor): ``(K, H, W)`` class probabilities.
        valid (Tensor): ``(H, W)`` bool, False on padding.
        threshold (float): Confidence below which a pixel is dropped.

    Returns:
        tuple[np.ndarray, float]: The ``(H, W)`` int64 label map and the
        share of valid pixels kept (0 when none is valid).
    """
    conf, labels = probs.max(dim=0)
    valid = valid.bool()
    kept = valid & (conf >= threshold)
    labels = labels.masked_fill(~kept, IGNORE_INDEX)
    share = float(kept.sum()) / max(int(valid.sum()), 1)
    return labels.cpu().numpy(), share


def _dense_sample(label_map: np.ndarray) -> SegDataSample:
    sample = SegDataSample()
    sample.gt_sem_seg = PixelData(data=torch.from_numpy(label_map)[None])
    return sample


def semi_batch_views(model, data_batch: dict) -> List[Tuple[str, list]]:
    """The views of one training batch with the pseudo labels drawn.

    Args:
        model: A :class:`~mmlabeleff.models.segmentors.SemiBaseSegmentor`
            (or subclass) in the mode to inspect (``train()`` repeats a
            training step: a student teacher then labels with batch-norm
            statistics of the batch, as when training).
        data_batch (dict): A collated multi-branch batch of the config's
            train dataloader (``inputs`` / ``data_samples`` dicts by
            branch).

    Returns:
        list[tuple[str, list]]: For each unlabelled image, its file stem
        and its ``(name, RGB image, SegDataSample)`` views: ``sup`` (when
        the batch has a labelled image at that position), ``weak``,
        ``strong``, ...

    Raises:
        TypeError: ``model`` is not a semi-supervised segmentor.
    """
    if not callable(getattr(model, 'student_targets', None)):
        raise TypeError(f'model {type(model).__name__} is not a '
                        'semi-supervised segmentor (SemiBaseSegmentor)')
    data = model.data_preprocessor(data_batch, True)
    inputs, samples = data['inputs'], data['data_samples']
    targets = model.student_targets(inputs, samples)
    threshold = model.unsup_threshold
    preprocessor = model.data_preprocessor
    sup_images = normalized_to_rgb(inputs[SUP], preprocessor)
    weak_images = normalized_to_rgb(inputs[WEAK], preprocessor)
    strong = [(normalized_to_rgb(image, preprocessor), probs, valid)
              for image, probs, valid in targets['views']]
    pictures = []
    for i, weak_image in enumerate(weak_images):
        views = []
        if i < len(sup_images):
            views.append((SUP, sup_images[i], samples[SUP][i]))
        labels, share = pseudo_label_map(targets['probs'][i],
                                         targets['valid'][i], threshold)
        views.append((f'weak {share:.0%} kept', weak_image,
                      _dense_sample(labels)))
        for k, (images, probs, valid) in enumerate(strong):
            labels, share = pseudo_label_map(probs[i], valid[i], threshold)
            name = 'strong' if k == 0 else f'strong{k + 1}'
            views.append((f'{name} mixed {share:.0%} kept', images[i],
                          _dense_sample(labels)))
        path = samples[WEAK][i].metainfo.get('img_path') or str(i)
        pictures.append((osp.splitext(osp.basename(path))[0], views))
    return pictures


def draw_semi_batch(model, data_batch: dict, visualizer,
                    num: int) -> List[Tuple[str, np.ndarray]]:
    """Pictures of the first ``num`` unlabelled images of a batch.

    Args:
        model: A semi-supervised segmentor (see :func:`semi_batch_views`).
        data_batch (dict): A collated multi-branch training batch.
        visualizer: A
            :class:`~mmlabeleff.visualization.WeakSegLocalVisualizer` with
            the dataset's classes and palette.
        num (int): How many unlabelled images to draw, at least 1.

    Returns:
        list[tuple[str, np.ndarray]]: For each image its file stem and the
        ``(H, W, 3)`` uint8 RGB picture, its views left to right.
    """
    if num < 1:
        raise ValueError(f'num must be at least 1, got {num}')
    return [(stem, visualizer.draw_views(views))
            for stem, views in semi_batch_views(model, data_batch)[:num]]
