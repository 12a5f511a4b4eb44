# IRN stage 1 (Ahn, Cho and Kwak, CVPR 2019): a multi-label classifier on
# MSRC-21 image tags whose class activation maps (CAMs) seed the pipeline.
#   train:  python tools/train.py \
#       configs/irn/cam_efflite0_1xb8-600iter_msrc21-tags-256x256.py
#   dump:   python tools/test.py  \
#       configs/irn/cam_efflite0_1xb8-600iter_msrc21-tags-256x256.py \
#               work_dirs/irn_msrc21/cam/iter_600.pth
# The dump (DumpTestLoop) writes the multi-scale + flip CAMs of every train
# image to cam_dump_dir (resumable) and scores their seeds (CAMSeedMetric).
# IRN's recipe (ResNet-50, 512 crops, batch 16, 5 epochs of VOC's 10,582
# images, SGD lr 0.1 / 1.0 for the classifier, poly 0.9, weight decay 1e-4,
# stages 1-2 and every BN frozen) on EfficientNet-Lite0 at output stride 16,
# scaled to MSRC-21's 277 images of ~320x213 and two CPU cores: 256 crops,
# batch 8, 600 iterations (17 epochs).
_base_ = ['../_base_/default_runtime.py']
# --- values users change -------------------------------------------------
data_root = 'data/msrc21'
weak_root = 'data/msrc21_weak'  # tags.json from simulate_weak_labels.py
work_root = 'work_dirs/irn_msrc21'  # every stage of the pipeline writes here
num_classes = 21
background_index = None  # MSRC-21 has no background class
crop_size = (256, 256)
max_iters = 600
batch_size = 8
lr = 0.1
cam_scales = (1.0, 0.5, 1.5, 2.0)  # IRN's cam_scales
cam_eval_thres = 0.15  # IRN's seed background score (datasets with one)
cam_dump_dir = f'{work_root}/cam_dump'
# -------------------------------------------------------------------------
dataset_type = 'MSRC21Dataset'
model = dict(
    type='CAMClassifier',
    data_preprocessor=dict(
        type='mmseg.SegDataPreProcessor',
        mean=[127.0, 127.0, 127.0],
        std=[128.0, 128.0, 128.0],
        bgr_to_rgb=True,
        pad_val=0,
        seg_pad_val=255,
        size=crop_size),
    backbone=dict(
        type='EfficientNetLite',
        arch='lite0',
        out_indices=(5, ),  # the 1x1 head conv (ReLU6), as the ImageNet classifier
        out_stride=16,
        frozen_stages=2,  # stem + strides 2 and 4, as IRN's stages 1-2
        norm_eval=True,  # IRN's FixedBatchNorm
        init_cfg=dict(type='Pretrained', checkpoint='efficientnet-lite0')),
    decode_head=dict(
        type='CAMHead',
        in_channels=1280,
        num_classes=num_classes,
        background_index=background_index,
        init_cfg=dict(type='Xavier', layer='Conv2d')),
    test_cfg=dict(scales=cam_scales, flip=True, bg_threshold=cam_eval_thres))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWeakAnnotations', num_classes=num_classes),
    dict(type='mmseg.RandomResize', scale=(320, 320), ratio_range=(0.75, 1.5),
         resize_type='WeakResize', keep_ratio=True),
    dict(type='WeakRandomCrop', crop_size=crop_size),
    dict(type='WeakRandomFlip', prob=0.5),
    dict(type='PackWeakSegInputs'),
]
dump_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWeakAnnotations', num_classes=num_classes),
    dict(type='PackWeakSegInputs'),
]
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='splits/train.txt',
        supervision='tags',
        weak_root=weak_root,
        pipeline=train_pipeline))
# the dump runs over the train images, scored against their masks
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='splits/train.txt',
        supervision='tags',
        weak_root=weak_root,
        keep_seg_map_path=True,
        pipeline=dump_pipeline))
test_evaluator = dict(type='CAMSeedMetric', background_index=background_index)
test_cfg = dict(
    type='DumpTestLoop',
    dump_dir=cam_dump_dir,
    dump_type='cams',
    background_index=background_index,
    bg_threshold=cam_eval_thres)
val_dataloader = None
val_evaluator = None
val_cfg = None
# IRN's PolyOptimizer hands weight_decay to torch's SGD as its positional
# momentum (effective momentum 1e-4); each parameter group sets weight decay
# 1e-4; the classifier learns 10x faster.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=lr, momentum=1e-4, weight_decay=1e-4),
    paramwise_cfg=dict(custom_keys={'decode_head': dict(lr_mult=10.0)}))
param_scheduler = [
    dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=max_iters,
         by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=25, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=max_iters,
                    max_keep_ckpts=1),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='mmseg.SegVisualizationHook'))
work_dir = f'{work_root}/cam'
randomness = dict(seed=0)
