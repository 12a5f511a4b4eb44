# SPML on PASCAL VOC 2012 (10,582 trainaug images) with ScribbleSup
# scribbles drawn 3 px wide (the public code's d3 lists), as its VOC recipe
# (bashscripts/voc12/train_spml_scribble.sh; constants only): DeepLab-v2
# ResNet-101, 30k iterations of batch 16 (4 GPUs x 4), 512 crops of images
# rescaled by 0.5-1.5 with flips, SGD momentum 0.9, weight decay 5e-4, lr
# 3e-3 with 100 warm-up iterations then poly 0.9, the head 10x (biases
# 20x, no decay); relationship weights of the paper's Table 5 scribble row
# (SPMLHead's SPML_RELATIONS). Over-segmentations (the paper's HED +
# owt-ucm are not available; see configs/spml/README.md) from
#   python tools/dataset_converters/superpixels.py --dataset folder \
#       --img-dir data/VOCdevkit/VOC2012/JPEGImages \
#       --ann-dir data/VOCdevkit/VOC2012/SegmentationClassAug \
#       --out-dir data/VOCdevkit/VOC2012/Superpixels
# Not run here (no GPU, no VOC): the paper reports 74.2 val mIoU (76.1 with
# CRF) for this setting.
_base_ = [
    '../_base_/models/spml_r101.py',  # DeepLab-v2 R101 + SPMLHead
    '../_base_/datasets/voc12_aug_weak.py',  # VOC trainaug weak labels, val
    '../_base_/default_runtime.py',  # scope, hooks, visualizer
    '../_base_/schedules/schedule_2k.py',  # loops, hooks (replaced below)
]
max_iters = 30000
val_interval = 5000
warmup_iters = 100
lr = 3e-3
crop_size = (512, 512)
num_classes = 21
scribble_radius = 1  # 3-px strokes (d3)
point_radius = 3  # 7-px disks, the nearest to the public d6 points
# tags and boxes: SPML's CAM pseudo labels from the CAM dump of
# configs/irn/cam_r50_1xb16-3305iter_voc12aug-tags-512x512.py (cached)
cam_dump_dir = 'work_dirs/irn_voc12aug/cam_dump'
cam_label_dir = 'work_dirs/spml_voc12aug_cam_labels'
background_index = 0
train_pipeline = [
    dict(type='LoadImageFromFile'),
    # co-occurrence tags from the whole image's labels (public code)
    dict(type='LoadWeakAnnotations', num_classes=num_classes,
         image_labels_from_sparse=True),
    dict(type='LoadCAMPseudoLabels', cam_dump_dir=cam_dump_dir,
         label_dir=cam_label_dir, num_classes=num_classes,
         background_index=background_index),  # tags and boxes only
    dict(type='mmseg.RandomResize', scale=(500, 500), ratio_range=(0.5, 1.5),
         resize_type='WeakResize', keep_ratio=True),
    dict(type='WeakRandomCrop', crop_size=crop_size),
    dict(type='WeakRandomFlip', prob=0.5),
    dict(type='DilateSparseLabels', radius=scribble_radius),
    dict(type='DrawPointLabels', radius=point_radius),  # points only
    dict(type='PackWeakSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmseg.LoadAnnotations'),
    dict(type='mmseg.PackSegInputs'),
]
train_dataloader = dict(
    batch_size=4,
    dataset=dict(
        superpixel_root='data/VOCdevkit/VOC2012/Superpixels',
        pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=num_classes))
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=lr, momentum=0.9, weight_decay=5e-4),
    paramwise_cfg=dict(
        custom_keys={'decode_head': dict(lr_mult=10.0)},
        bias_lr_mult=2.0, bias_decay_mult=0.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0,
         end=warmup_iters),
    dict(type='PolyLR', eta_min=0.0, power=0.9, begin=warmup_iters,
         end=max_iters, by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
default_hooks = dict(checkpoint=dict(interval=val_interval))
randomness = dict(seed=0)
