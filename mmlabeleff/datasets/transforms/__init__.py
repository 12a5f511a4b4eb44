"""Data transforms that keep every kind of label aligned with the image.

:class:`LoadWeakAnnotations` reads the data-info keys of
:mod:`mmlabeleff.structures.label_convention` into ``results``;
:class:`PackWeakSegInputs` packs them into a ``SegDataSample``. In between,
geometric transforms must move the dense map (``gt_seg_map``), the sparse
map (``gt_sparse_seg_map``), boxes (``gt_bboxes``) and points
(``gt_points``) together:

=====================  ==================================================
transform              what mmlabeleff adds to the upstream class
=====================  ==================================================
``WeakResize``         mmseg ``Resize`` (``seg_fields`` nearest; boxes)
                       + sparse maps by label area (scribbles stay
                       connected, points survive) + points
``WeakRandomFlip``     mmseg ``RandomFlip`` (``seg_fields``, boxes) + points
``WeakRandomCrop``     mmseg ``RandomCrop`` (``seg_fields``) + boxes clipped
                       / dropped, points dropped outside, ``cat_max_ratio``
                       on sparse maps
``WeakRandomRotate``   mmseg ``RandomRotate`` (``seg_fields``, nearest, 255
                       fill) + boxes, points, ``img_shape``
``WeakPad``            mmcv ``Pad`` (``gt_seg_map`` only) + every
                       ``seg_fields`` map, padded with 255
=====================  ==================================================

:class:`DrawPointLabels` (after the geometric transforms) draws the points
as disks of a configured radius into the sparse map, so that point labels
train the same losses as scribbles; :class:`DilateSparseLabels` thickens
scribbles the same way (SPML's 3 px).

Photometric transforms (``mmseg.PhotoMetricDistortion``, ``mmseg.CLAHE``,
...) touch the image only and can be used as they are. Under
``default_scope='mmlabeleff'`` the unprefixed names ``Resize``,
``RandomFlip`` and ``Pad`` are mmcv's, which move ``gt_seg_map`` alone:
write the classes above (or ``RandomResize`` with
``resize_type='WeakResize'``). ``WeakResize`` downscales sparse maps by
label area (an output pixel takes the labelled class that covers most of
its footprint; ``sparse_interpolation='label_centre'`` counts each labelled
pixel in the output pixel of its centre only, ``'nearest'`` restores
upstream's nearest neighbour, which breaks 1-pixel scribbles into dashes
and loses most points); sparse maps
are rotated with nearest interpolation and padded with 255 (ignore); the
data preprocessor :class:`~mmlabeleff.models.WeakSegDataPreProcessor` pads
them with 255 in the batch.

Weak and strong views of one image (FixMatch-style consistency,
teacher-student) need no new class: mmdet's ``MultiBranch`` runs one
pipeline per branch on copies of the results, after the shared geometric
transforms, so that both views are pixel-aligned and carry the same labels::

    branch_field = ['weak', 'strong']
    train_pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='LoadWeakAnnotations', num_classes=num_classes),
        dict(type='RandomResize', scale=(512, 512), ratio_range=(0.5, 2.0),
             resize_type='WeakResize', keep_ratio=True),
        dict(type='WeakRandomCrop', crop_size=(256, 256)),
        dict(type='WeakRandomFlip', prob=0.5),
        dict(type='mmdet.MultiBranch',
             branch_field=branch_field,
             weak=[dict(type='PackWeakSegInputs')],
             strong=[dict(type='mmseg.PhotoMetricDistortion'),
                     dict(type='PackWeakSegInputs')]),
    ]

A sample then has ``inputs`` and ``data_samples`` dicts keyed by branch
(``data['inputs']['strong']``), the layout of mmdet's semi-supervised
detectors. A geometric transform inside one branch is allowed too: each
view stays consistent with its own labels, but the views are no longer
pixel-aligned.
"""
from .color_jitter import ColorJitter
from .dilate_sparse_labels import DilateSparseLabels
from .draw_point_labels import DrawPointLabels
from .load_cam_dump import LoadCAMDump
from .load_cam_pseudo_labels import LoadCAMPseudoLabels
from .load_ir_label import LoadIRLabel
from .load_weak_annotations import LoadWeakAnnotations
from .pack_weak_seg_inputs import PackWeakSegInputs
from .weak_pad import WeakPad
from .weak_random_crop import WeakRandomCrop
from .weak_random_flip import WeakRandomFlip
from .weak_random_rotate import WeakRandomRotate
from .weak_resize import WeakResize

__all__ = [
    'ColorJitter', 'DilateSparseLabels', 'DrawPointLabels', 'LoadCAMDump',
    'LoadCAMPseudoLabels', 'LoadIRLabel', 'LoadWeakAnnotations',
    'PackWeakSegInputs', 'WeakPad',
    'WeakRandomCrop', 'WeakRandomFlip', 'WeakRandomRotate', 'WeakResize'
]
