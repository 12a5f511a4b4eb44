# IRN stages 2-3 (Ahn, Cho and Kwak, CVPR 2019) on MSRC-21 image tags: the
# boundary network learns from the confident regions of the CAMs, then its
# boundaries turn the CAMs into pseudo masks by a random walk (and a CRF).
#   train:        python tools/train.py \
#       configs/irn/irn_efflite0_1xb8-300iter_msrc21-tags-256x256.py
#   pseudo masks: python tools/test.py  \
#       configs/irn/irn_efflite0_1xb8-300iter_msrc21-tags-256x256.py \
#                     work_dirs/irn_msrc21/irn/iter_300.pth
# Needs the CAM dump of configs/irn/cam_efflite0_1xb8-600iter_msrc21-tags-256x256.py.
# Training caches the confident labels (LoadIRLabel: CAMs under 0.30, dense
# CRF) in ir_label_dir; the test run writes <pseudo_dir>/rw/<id>.png and
# <pseudo_dir>/crf/<id>.png (255 = uncertain) and scores both on the masks.
# IRN's recipe (frozen ResNet-50, 512 crops, rescale 0.5-1.5, batch 32,
# 3 epochs of 10,582 images, lr 0.1 boundary / 1.0 displacement, poly 0.9,
# weight decay 1e-4, pair radius 10 at stride 4; random walk radius 5,
# beta 10, exp_times 8, bg threshold 0.25) on a frozen EfficientNet-Lite0
# (output stride 16) and MSRC-21's 277 images: 256 crops, batch 8, 300
# iterations (9 epochs).
_base_ = ['../_base_/default_runtime.py']
# --- values users change -------------------------------------------------
data_root = 'data/msrc21'
weak_root = 'data/msrc21_weak'
work_root = 'work_dirs/irn_msrc21'
num_classes = 21
background_index = None
crop_size = (256, 256)
max_iters = 300
batch_size = 8
lr = 0.1
cam_dump_dir = f'{work_root}/cam_dump'  # written by the CAM stage
ir_label_dir = f'{work_root}/ir_label'  # confident labels (cache)
pseudo_dir = f'{work_root}/pseudo'  # pseudo masks: rw/ and crf/
conf_fg_thres = 0.30  # IRN's confident foreground
conf_bg_thres = 0.05  # IRN's confident background (datasets with one)
pair_radius = 9.95  # IRN's radius 10 (offsets closer than 10) at stride 4
rw_radius = 4.9  # IRN's radius 5
beta = 10
exp_times = 8
sem_seg_bg_thres = 0.25
# -------------------------------------------------------------------------
dataset_type = 'MSRC21Dataset'
model = dict(
    type='IRNet',
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
        out_indices=(1, 2, 3, 4, 5),  # strides 4, 8, 16, 16, 16
        out_stride=16,
        init_cfg=dict(type='Pretrained', checkpoint='efficientnet-lite0')),
    decode_head=dict(
        type='IRNHead',
        in_channels=(24, 40, 112, 320, 1280),
        in_strides=(4, 8, 16, 16, 16),
        radius=pair_radius,
        background_index=background_index),
    test_cfg=dict(
        rw_radius=rw_radius,
        beta=beta,
        exp_times=exp_times,
        sem_seg_bg_thres=sem_seg_bg_thres,
        crf=dict(type='DenseCRFRefiner', preset='irn')))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadIRLabel', cam_dump_dir=cam_dump_dir, label_dir=ir_label_dir,
         background_index=background_index, conf_fg_thres=conf_fg_thres,
         conf_bg_thres=conf_bg_thres),
    dict(type='mmseg.RandomResize', scale=(320, 320), ratio_range=(0.5, 1.5),
         resize_type='WeakResize', keep_ratio=True),
    dict(type='WeakRandomFlip', prob=0.5),
    dict(type='WeakRandomCrop', crop_size=crop_size),
    dict(type='PackWeakSegInputs'),
]
pseudo_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadCAMDump', dump_dir=cam_dump_dir),
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
        pipeline=pseudo_pipeline))
test_evaluator = [
    dict(type='PseudoLabelMetric', background_index=background_index,
         prefix='rw'),
    dict(type='PseudoLabelMetric', background_index=background_index,
         pred_field='crf_sem_seg', prefix='crf'),
]
test_cfg = dict(
    type='DumpTestLoop',
    dump_dir=pseudo_dir,
    dump_type='labels',
    label_fields=dict(pred_sem_seg='rw', crf_sem_seg='crf'))
val_dataloader = None
val_evaluator = None
val_cfg = None
# IRN: boundary branch at lr, displacement branch at 10 lr; effective SGD
# momentum 1e-4 (see the CAM config), weight decay 1e-4.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=lr, momentum=1e-4, weight_decay=1e-4),
    paramwise_cfg=dict(custom_keys={
        'decode_head.dp_': dict(lr_mult=10.0)}))
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
work_dir = f'{work_root}/irn'
randomness = dict(seed=0)
