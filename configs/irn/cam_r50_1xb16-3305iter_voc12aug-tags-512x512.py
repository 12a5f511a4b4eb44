# IRN stage 1 on PASCAL VOC 2012 + SBD (10,582 train_aug images), IRN's own
# recipe (Ahn, Cho and Kwak, CVPR 2019; github.com/jiwoon-ahn/irn, MIT):
# ResNet-50 (ImageNet) at output stride 16, every BN frozen and stages 1-2
# without gradient, 512 crops of images resized to a long side of 320-640,
# batch 16, 5 epochs (661 x 5 = 3,305 iterations), SGD lr 0.1 (classifier
# 1.0), poly 0.9, weight decay 1e-4; CAMs at scales 1.0/0.5/1.5/2.0 + flip.
#   python tools/train.py configs/irn/cam_r50_1xb16-3305iter_voc12aug-tags-512x512.py
#   python tools/test.py  configs/irn/cam_r50_1xb16-3305iter_voc12aug-tags-512x512.py \
#       work_dirs/irn_voc12aug/cam/iter_3305.pth   # CAM dump + seed mIoU sweep
# IRN reports 48.3 seed mIoU on VOC train at threshold 0.15 (its paper).
_base_ = ['../_base_/default_runtime.py']
# --- values users change -------------------------------------------------
data_root = 'data/VOCdevkit/VOC2012'
work_root = 'work_dirs/irn_voc12aug'
num_classes = 21
background_index = 0
crop_size = (512, 512)
max_iters = 3305
batch_size = 16
lr = 0.1
cam_scales = (1.0, 0.5, 1.5, 2.0)
cam_eval_thres = 0.15
cam_dump_dir = f'{work_root}/cam_dump'
# -------------------------------------------------------------------------
dataset_type = 'VOCWeakDataset'
model = dict(
    type='CAMClassifier',
    data_preprocessor=dict(
        type='mmseg.SegDataPreProcessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_val=0,
        seg_pad_val=255,
        size=crop_size),
    backbone=dict(
        type='mmseg.ResNet',
        depth=50,
        out_indices=(3, ),
        strides=(1, 2, 2, 1),  # IRN's strides (2, 2, 2, 1) incl. the stem
        dilations=(1, 1, 1, 1),
        frozen_stages=1,  # stem + layer1: IRN's stages 1-2
        norm_eval=True,  # IRN's FixedBatchNorm
        style='pytorch',
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')),
    decode_head=dict(
        type='CAMHead',
        in_channels=2048,
        num_classes=num_classes,
        background_index=background_index),
    test_cfg=dict(scales=cam_scales, flip=True, bg_threshold=cam_eval_thres))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWeakAnnotations', num_classes=num_classes),
    dict(type='mmseg.RandomResize', scale=(640, 640), ratio_range=(0.5, 1.0),
         resize_type='WeakResize', keep_ratio=True),  # long side 320-640
    dict(type='WeakRandomFlip', prob=0.5),
    dict(type='WeakRandomCrop', crop_size=crop_size),
    dict(type='PackWeakSegInputs'),
]
dump_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWeakAnnotations', num_classes=num_classes),
    dict(type='PackWeakSegInputs'),
]
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='ImageSets/Segmentation/trainaug.txt',
        data_prefix=dict(img_path='JPEGImages', seg_map_path='SegmentationClassAug'),
        supervision='tags',
        pipeline=train_pipeline))
test_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='ImageSets/Segmentation/trainaug.txt',
        data_prefix=dict(img_path='JPEGImages', seg_map_path='SegmentationClassAug'),
        supervision='tags',
        keep_seg_map_path=True,
        pipeline=dump_pipeline))
test_evaluator = dict(type='CAMSeedMetric', background_index=background_index)
test_cfg = dict(type='DumpTestLoop', dump_dir=cam_dump_dir, dump_type='cams',
                background_index=background_index, bg_threshold=cam_eval_thres)
val_dataloader = None
val_evaluator = None
val_cfg = None
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
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=max_iters,
                    max_keep_ckpts=1),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='mmseg.SegVisualizationHook'))
work_dir = f'{work_root}/cam'
