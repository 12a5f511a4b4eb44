# SPML (Ke et al., ICLR 2021) on MSRC-21 image tags (tags.json, simulated
# from the masks), next to the image-tag pipeline (IRN) on the same data:
# the semantic-annotation term reads SPML's CAM pseudo labels (alpha 6,
# probability threshold 0.2) of the CAM dump of
# configs/irn/cam_efflite0_1xb8-600iter_msrc21-tags-256x256.py, the
# co-occurrence term the tags, the low-level term the over-segmentations of
#   python tools/dataset_converters/superpixels.py --dataset msrc21 \
#       --data-root data/msrc21 --split train --out-dir data/msrc21_superpixels
# Network, optimizer and schedule are those of the CamVid recipes; data
# pipeline and schedule those of the MSRC-21 full-supervision reference
# (configs/fully_supervised/deeplabv3plus/
# deeplabv3plus_efflite0_1xb8-2k_msrc21-full-176x176.py). Every step:
#   python tools/pseudo_label/run_pipeline.py \
#       configs/spml/spml-pipeline_efflite0_msrc21-tags.py
_base_ = [
    '../_base_/models/spml_efflite0.py',  # SPML head on EfficientNet-Lite0
    '../_base_/datasets/msrc21.py',  # MSRC-21, original size, crops
    '../_base_/default_runtime.py',  # scope, hooks, visualizer
    '../_base_/schedules/schedule_2k.py',  # SGD poly, 2k iterations
]
max_iters = 2000
val_interval = max_iters // 2  # validation and checkpoints
crop_size = (176, 176)
image_scale = (320, 320)  # keep_ratio: the original size of every image
num_classes = 21  # no background class
supervision = 'tags'
weak_root = 'data/msrc21_weak'  # written by simulate_weak_labels.py
superpixel_root = 'data/msrc21_superpixels'  # written by superpixels.py
cam_dump_dir = 'work_dirs/irn_msrc21/cam_dump'  # the CAM stage's dump
cam_label_dir = 'work_dirs/spml_msrc21_cam_labels'  # cache of CAM labels
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWeakAnnotations', num_classes=num_classes,
         image_labels_from_sparse=True),
    dict(type='LoadCAMPseudoLabels', cam_dump_dir=cam_dump_dir,
         label_dir=cam_label_dir, num_classes=num_classes),
    dict(type='mmseg.RandomResize', scale=image_scale,
         ratio_range=(0.75, 1.5), resize_type='WeakResize', keep_ratio=True),
    dict(type='WeakRandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='WeakRandomFlip', prob=0.5),
    dict(type='mmseg.PhotoMetricDistortion'),
    dict(type='PackWeakSegInputs'),
]
train_dataloader = dict(
    dataset=dict(
        supervision=supervision, weak_root=weak_root,
        superpixel_root=superpixel_root, pipeline=train_pipeline))
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=num_classes))
# the public code's multipliers, as in the CamVid recipes
optim_wrapper = dict(
    optimizer=dict(lr=0.01),
    paramwise_cfg=dict(
        custom_keys={'decode_head': dict(lr_mult=10.0)},
        bias_lr_mult=2.0, bias_decay_mult=0.0))
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=max_iters,
         by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
default_hooks = dict(checkpoint=dict(interval=val_interval))
randomness = dict(seed=0)
