# SPML (Ke et al., ICLR 2021) on CamVid with simulated full-length scribbles
# (scribbles_r100, drawn 3 px wide as SPML's VOC scribbles) on the CamVid
# reference recipe's backbone, pipeline, optimizer and schedule (SGD 0.01
# poly, 2k iterations, batch 8, 176x176 crops), so that its val mIoU sits
# next to the fully supervised reference and BLPSeg. The low-level term
# reads the over-segmentations of
#   python tools/dataset_converters/superpixels.py --dataset camvid \
#       --data-root data/camvid --split train --out-dir data/camvid_superpixels
# and the scribbles of
#   python tools/dataset_converters/simulate_weak_labels.py --dataset camvid \
#       --data-root data/camvid --split train --out-dir data/camvid_weak
# The relationship weights and concentrations of each label type are the
# paper's Table 5 (SPMLHead's SPML_RELATIONS); the other label types inherit
# this file and switch supervision / weak_label.
_base_ = [
    '../_base_/models/spml_efflite0.py',  # SPML head on EfficientNet-Lite0
    '../_base_/datasets/camvid.py',  # CamVid 11 classes, val / test sets
    '../_base_/default_runtime.py',  # scope, hooks, visualizer
    '../_base_/schedules/schedule_2k.py',  # SGD poly, 2k iterations
]
max_iters = 2000
val_interval = max_iters // 2  # validation and checkpoints
crop_size = (176, 176)
num_classes = 11
weak_root = 'data/camvid_weak'  # written by simulate_weak_labels.py
superpixel_root = 'data/camvid_superpixels'  # written by superpixels.py
supervision = 'scribbles'
weak_label = 'scribbles_r100'
# stroke diameters at training resolution, SPML's VOC lists (d3 scribbles,
# d6 points): scribbles grow by 1 px on each side (3 px wide), points are
# disks of radius 3 (7 px across, the nearest odd diameter to 6)
scribble_radius = 1
point_radius = 3
# tags and boxes train on SPML's CAM pseudo labels (alpha 6; probability
# thresholds 0.2 for tags, 0.5 inside boxes) made from the CAM dump of the
# image-tag pipeline's CAM stage,
#   python tools/pseudo_label/run_pipeline.py \
#       configs/spml/spml-pipeline_efflite0_camvid-tags.py
# and cached on first use in cam_label_dir/<supervision>/
cam_dump_dir = 'work_dirs/irn_camvid/cam_dump'
cam_label_dir = 'work_dirs/spml_camvid_cam_labels'
train_pipeline = [
    dict(type='LoadImageFromFile'),
    # co-occurrence tags from the whole image's labels (public code)
    dict(type='LoadWeakAnnotations', num_classes=num_classes,
         image_labels_from_sparse=True),
    dict(type='LoadCAMPseudoLabels', cam_dump_dir=cam_dump_dir,
         label_dir=cam_label_dir,
         num_classes=num_classes),  # tags and boxes only
    dict(type='mmseg.RandomResize', scale=(240, 180), ratio_range=(0.75, 1.5),
         resize_type='WeakResize', keep_ratio=True),
    dict(type='WeakRandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='WeakRandomFlip', prob=0.5),
    dict(type='DilateSparseLabels', radius=scribble_radius),
    dict(type='DrawPointLabels', radius=point_radius),  # points only
    dict(type='mmseg.PhotoMetricDistortion'),
    dict(type='PackWeakSegInputs'),
]
train_dataloader = dict(
    dataset=dict(
        supervision=supervision, weak_root=weak_root, weak_label=weak_label,
        superpixel_root=superpixel_root, pipeline=train_pipeline))
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=num_classes))
# the public code's multipliers: the embedding head and its classifier learn
# 10x faster than the backbone (biases 20x, without weight decay)
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
