# BLPSeg (Wang et al., IEEE TIP 2023) on CamVid with simulated full-length
# scribbles (scribbles_r100), on the CamVid reference recipe's backbone,
# pipeline, optimizer and schedule (SGD 0.01 poly, 2k iterations, batch 8,
# 176x176 crops), so that its val mIoU sits next to the fully supervised
# reference. Self-training starts at a quarter of the schedule (the public
# code's 10k of ~42k VOC iterations). The ablation rows of README.md inherit
# this file and switch parts off; the other label sets (shorter scribbles,
# points) inherit it and switch weak_label. The train set reads the labels of
#   python tools/dataset_converters/simulate_weak_labels.py --dataset camvid \
#       --data-root data/camvid --split train --out-dir data/camvid_weak
# One pipeline serves scribbles and points: DrawPointLabels draws the clicks
# of a points label set as disks of point_radius px after the geometric
# transforms and leaves a sample without points alone.
_base_ = [
    '../_base_/models/blpseg_efflite0.py',  # BLPSeg head on EfficientNet-Lite0
    '../_base_/datasets/camvid.py',  # CamVid 11 classes, val / test sets
    '../_base_/default_runtime.py',  # scope, hooks, visualizer
    '../_base_/schedules/schedule_2k.py',  # SGD poly, 2k iterations
]
max_iters = 2000
val_interval = max_iters // 2  # validation and checkpoints
self_training_start = max_iters // 4  # BLPSeg: 10k of ~42k on VOC
crop_size = (176, 176)
num_classes = 11
weak_root = 'data/camvid_weak'  # written by simulate_weak_labels.py
supervision = 'scribbles'
weak_label = 'scribbles_r100'  # also scribbles_r050 / scribbles_r000
point_radius = 3  # px at training resolution (SPML: 6 px at VOC's full size)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    # tags of the whole image's scribbles mask the self-training targets
    dict(type='LoadWeakAnnotations', num_classes=num_classes,
         image_labels_from_sparse=True),
    dict(type='mmseg.RandomResize', scale=(240, 180), ratio_range=(0.75, 1.5),
         resize_type='WeakResize', keep_ratio=True),
    dict(type='WeakRandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='WeakRandomFlip', prob=0.5),
    dict(type='DrawPointLabels', radius=point_radius),
    dict(type='mmseg.PhotoMetricDistortion'),
    dict(type='PackWeakSegInputs'),
]
train_dataloader = dict(
    dataset=dict(
        supervision=supervision, weak_root=weak_root, weak_label=weak_label,
        pipeline=train_pipeline))
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=num_classes))
custom_hooks = [dict(type='SelfTrainingHook', start_iter=self_training_start)]
optim_wrapper = dict(
    optimizer=dict(lr=0.01),
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.5)}))
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=max_iters,
         by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
default_hooks = dict(checkpoint=dict(interval=val_interval))
randomness = dict(seed=0)
