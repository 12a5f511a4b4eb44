"""The training target of a batch, whatever label type each image carries."""
from typing import List

import torch
from torch import Tensor

from mmlabeleff.structures import IGNORE_INDEX, UNLABELED_INDEX

__all__ = ['stack_training_labels', 'image_class_mask']


def _unlabeled_map(sample, shape) -> Tensor:
    """254 inside the sample's image, 255 in the batch padding."""
    height, width = shape
    label = torch.full((1, height, width), IGNORE_INDEX, dtype=torch.long)
    img_h, img_w = sample.metainfo.get('img_shape', shape)[:2]
    label[:, :img_h, :img_w] = UNLABELED_INDEX
    return label


def stack_training_labels(batch_data_samples: List,
                          fill_missing: bool = False) -> Tensor:
    """(N, H, W) long labels: each sample's ``gt_sparse_seg``, else ``gt_sem_seg``.

    Sparse maps (scribbles, points, partial masks) hold class ids, 254
    (unlabeled) and 255 (ignore); dense masks hold class ids and 255. All
    maps of a batch have the padded batch size (the data preprocessor pads
    both kinds).

    Args:
        batch_data_samples (list[SegDataSample]): The batch.
        fill_missing (bool): Give a sample without a label map (tags,
            boxes, unlabeled images of a mixed batch) a map of 254 inside its
            ``img_shape`` and 255 in the padding, at the size of the batch's
            other maps or its ``batch_input_shape`` / ``pad_shape``. Defaults
            to False (such a sample is an error).

    Returns:
        Tensor: (N, H, W) labels.
    """
    labels = []
    missing = []
    for index, sample in enumerate(batch_data_samples):
        if 'gt_sparse_seg' in sample:
            labels.append(sample.gt_sparse_seg.data)
        elif 'gt_sem_seg' in sample:
            labels.append(sample.gt_sem_seg.data)
        elif fill_missing:
            labels.append(None)
            missing.append(index)
        else:
            raise ValueError(
                f'sample {index} ({sample.metainfo.get("img_path")}) has '
                'neither gt_sparse_seg nor gt_sem_seg')
    if missing:
        known = [label for label in labels if label is not None]
        if known:
            shape = tuple(known[0].shape[-2:])
        else:
            meta = batch_data_samples[0].metainfo
            shape = tuple(meta.get('batch_input_shape',
                                   meta.get('pad_shape', meta.get('img_shape')))[:2])
        for index in missing:
            labels[index] = _unlabeled_map(batch_data_samples[index], shape)
    shapes = {tuple(label.shape) for label in labels}
    if len(shapes) > 1:
        raise ValueError(f'label maps of one batch differ in size: {shapes}')
    return torch.stack(labels, dim=0).squeeze(1).long()


def image_class_mask(labels: Tensor, batch_data_samples: List,
                     num_classes: int) -> Tensor:
    """(N, K) 0/1 mask of the classes each image is known to contain.

    ``gt_image_labels`` (the image's tags) when a sample has them, else the
    classes present in its (possibly cropped) label map.

    Args:
        labels (Tensor): (N, H, W) labels from :func:`stack_training_labels`.
        batch_data_samples (list[SegDataSample]): The batch.
        num_classes (int): K.

    Returns:
        Tensor: (N, K) float mask.
    """
    mask = labels.new_zeros((labels.shape[0], num_classes), dtype=torch.float32)
    for index, sample in enumerate(batch_data_samples):
        if 'gt_image_labels' in sample:
            mask[index] = (sample.gt_image_labels.to(mask.device) > 0).float()
            continue
        present = torch.unique(labels[index])
        present = present[(present != IGNORE_INDEX) & (present != UNLABELED_INDEX)]
        present = present[(present >= 0) & (present < num_classes)]
        mask[index, present] = 1.0
    return mask
