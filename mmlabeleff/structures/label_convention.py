"""The one label convention of mmlabeleff, for every kind of supervision.

Every sample is an mmseg :class:`~mmseg.structures.SegDataSample`. Which
fields it carries depends on its supervision; the values inside them follow
one encoding, written down here once:

==================  ===================  =====================================
supervision         field                content
==================  ===================  =====================================
``'full'``          ``gt_sem_seg``       ``PixelData(data=(1, H, W) long)``:
                                         class ids ``0..K-1``; 255 = ignore
                                         (void and padding).
``'tags'``          ``gt_image_labels``  ``(K,)`` float multi-hot tensor of the
                                         classes present in the image.
``'boxes'``         ``gt_instances``     mmdet-style ``InstanceData`` with
                                         ``bboxes`` ``(N, 4)`` float x1y1x2y2
                                         in pixels, ``labels`` ``(N,)`` long,
                                         optionally ``masks``.
``'scribbles'``,    ``gt_sparse_seg``    ``PixelData(data=(1, H, W) long)``:
``'points'``,                            class ids ``0..K-1`` on the labelled
``'partial'``                            pixels, :data:`UNLABELED_INDEX` (254)
                                         on image pixels nobody labelled,
                                         :data:`IGNORE_INDEX` (255) on padding
                                         and void.
``'unlabeled'``     (none)               image only (semi-supervised).
==================  ===================  =====================================

Scribbles and points are both stored as sparse maps, so that every geometric
transform that handles ``seg_fields`` keeps them aligned with the image
(nearest-neighbour interpolation keeps the values; ``WeakResize`` downscales
sparse maps by label area, so that 1-pixel scribbles stay connected and
points are not lost); point coordinates are also kept in
``gt_points`` (``InstanceData`` with ``points`` ``(N, 2)`` float x, y and
``labels``) where a method needs them exactly.

``metainfo`` carries two keys that say what a sample is:

- ``supervision``: one of :data:`SUPERVISION_TYPES`;
- ``domain``: ``'source'`` or ``'target'`` (:data:`DOMAINS`), for
  unsupervised domain adaptation; ``'source'`` everywhere else.

Datasets describe each sample with an mmengine data info dict; besides
mmseg's ``img_path`` / ``seg_map_path`` / ``label_map`` /
``reduce_zero_label`` / ``seg_fields`` it may carry (all optional):

- ``supervision`` (str) and ``domain`` (str), as above;
- ``sparse_map_path`` (str): PNG of a sparse map (scribbles, points, partial);
- ``image_labels`` (list[int]): class ids present (tags);
- ``instances`` (list[dict]): mmdet-style, each with ``bbox`` ``[x1, y1, x2,
  y2]``, ``bbox_label`` (int), ``ignore_flag`` (0/1) and optionally ``mask``
  (polygons or RLE as in COCO);
- ``points`` (list[dict]): each with ``point`` ``[x, y]`` and ``point_label``;
  ``x, y`` are the column and row of the labelled pixel. ``LoadWeakAnnotations``
  adds 0.5 (``point_offset``), so ``gt_points`` are pixel centres in the same
  continuous frame as ``gt_bboxes`` (pixel edges), and the labelled pixel is
  always ``floor(gt_points)``, also after flips, resizes and crops.

``LoadWeakAnnotations`` turns them into ``results`` keys: ``gt_seg_map``
(dense), ``gt_sparse_seg_map`` (registered in ``seg_fields`` so mmseg's
geometric transforms move it), ``gt_image_labels`` (np multi-hot),
``gt_bboxes`` / ``gt_bboxes_labels`` (np, mmdet names), ``gt_points`` /
``gt_points_labels``; ``PackWeakSegInputs`` packs them into the fields above.

Unlabeled (254) and ignore (255) are different on purpose: BLPSeg (Wang et
al., TIP 2023) trains an extra "unlabeled" class on the 254 pixels, and SPML
(Ke et al., ICLR 2021) clusters unlabeled pixels but never padding. A loss
for sparse labels therefore ignores both; a method that uses unlabeled
pixels reads 254 explicitly. Tags (``gt_image_labels``) are derived from any
other label type with :func:`image_labels_from_map` or
:func:`image_labels_from_instances`.
"""
import numpy as np
import torch

IGNORE_INDEX = 255
UNLABELED_INDEX = 254
#: The largest number of classes a map can encode (ids 0..253).
MAX_NUM_CLASSES = UNLABELED_INDEX
SUPERVISION_TYPES = ('full', 'tags', 'boxes', 'scribbles', 'points', 'partial',
                     'unlabeled')
SPARSE_SUPERVISION_TYPES = ('scribbles', 'points', 'partial')
DOMAINS = ('source', 'target')

__all__ = [
    'IGNORE_INDEX', 'UNLABELED_INDEX', 'MAX_NUM_CLASSES', 'SUPERVISION_TYPES',
    'SPARSE_SUPERVISION_TYPES', 'DOMAINS', 'image_labels_from_map',
    'image_labels_from_instances', 'check_label_map'
]


def image_labels_from_map(label_map, num_classes: int) -> torch.Tensor:
    """Multi-hot image tags from a dense or sparse label map.

    Args:
        label_map (np.ndarray | torch.Tensor): Class ids, with 254 / 255 for
            unlabeled / ignored pixels (any shape).
        num_classes (int): K.

    Returns:
        torch.Tensor: ``(K,)`` float tensor, 1 for each class present.
    """
    values = torch.as_tensor(np.asarray(label_map)).reshape(-1).long()
    values = values[values < num_classes]
    tags = torch.zeros(num_classes, dtype=torch.float32)
    tags[torch.unique(values)] = 1.0
    return tags


def image_labels_from_instances(labels, num_classes: int) -> torch.Tensor:
    """Multi-hot image tags from the labels of boxes or points.

    Args:
        labels (Sequence[int] | torch.Tensor): Class id of each instance.
        num_classes (int): K.

    Returns:
        torch.Tensor: ``(K,)`` float tensor.
    """
    tags = torch.zeros(num_classes, dtype=torch.float32)
    labels = torch.as_tensor(labels, dtype=torch.long).reshape(-1)
    if labels.numel():
        tags[labels] = 1.0
    return tags


def check_label_map(label_map: np.ndarray, num_classes: int, path: str,
                    sparse: bool = False) -> None:
    """Raise a clear error if a label map holds values outside the convention.

    Args:
        label_map (np.ndarray): The loaded map.
        num_classes (int): K.
        path (str): The file it came from (named in the error).
        sparse (bool): Whether 254 (unlabeled) is allowed.

    Raises:
        ValueError: Naming ``path`` and the offending values.
    """
    if num_classes > MAX_NUM_CLASSES:
        raise ValueError(f'{path}: {num_classes} classes exceed the '
                         f'{MAX_NUM_CLASSES} that label maps can encode')
    values = np.unique(label_map)
    allowed = values < num_classes
    allowed |= values == IGNORE_INDEX
    if sparse:
        allowed |= values == UNLABELED_INDEX
    if not allowed.all():
        bad = values[~allowed].tolist()
        kind = 'sparse' if sparse else 'dense'
        raise ValueError(
            f'{path}: class ids {bad} are outside this dataset\'s {num_classes} '
            f'classes (a {kind} label map may hold 0..{num_classes - 1}'
            f'{", 254 (unlabeled)" if sparse else ""} and 255 (ignore))')
