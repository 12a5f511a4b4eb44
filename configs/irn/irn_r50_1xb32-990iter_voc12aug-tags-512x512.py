# IRN stages 2-3 on PASCAL VOC 2012 + SBD, IRN's own recipe: a frozen
# ResNet-50 (ImageNet), boundary and displacement branches trained on the
# confident CAM regions (0.30 / 0.05 + CRF) with pairs within radius 10 at
# stride 4, 512 crops rescaled 0.5-1.5, batch 32, 3 epochs (330 x 3 = 990
# iterations), lr 0.1 (displacement 1.0); random walk radius 5, beta 10,
# exp_times 8, background threshold 0.25. mmseg's ResNet gives no stem
# output, so the branches read layer1-4 (strides 4, 8, 16, 16) without
# IRN's 64-channel stem input.
#   python tools/train.py configs/irn/irn_r50_1xb32-990iter_voc12aug-tags-512x512.py
#   python tools/test.py  configs/irn/irn_r50_1xb32-990iter_voc12aug-tags-512x512.py \
#       work_dirs/irn_voc12aug/irn/iter_990.pth   # pseudo masks of train_aug
_base_ = ['../_base_/default_runtime.py']
# --- values users change -------------------------------------------------
data_root = 'data/VOCdevkit/VOC2012'
work_root = 'work_dirs/irn_voc12aug'
num_classes = 21
background_index = 0
crop_size = (512, 512)
max_iters = 990
batch_size = 32
lr = 0.1
cam_dump_dir = f'{work_root}/cam_dump'
ir_label_dir = f'{work_root}/ir_label'
pseudo_dir = f'{work_root}/pseudo'
conf_fg_thres = 0.30
conf_bg_thres = 0.05
pair_radius = 9.95  # IRN's radius 10
rw_radius = 4.9  # IRN's radius 5
beta = 10
exp_times = 8
sem_seg_bg_thres = 0.25
# -------------------------------------------------------------------------
dataset_type = 'VOCWeakDataset'
model = dict(
    type='IRNet',
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
        out_indices=(0, 1, 2, 3),
        strides=(1, 2, 2, 1),
        dilations=(1, 1, 1, 1),
        norm_eval=True,
        style='pytorch',
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')),
    decode_head=dict(
        type='IRNHead',
        in_channels=(256, 512, 1024, 2048),
        in_strides=(4, 8, 16, 16),
        dp_channels=(128, ),
        radius=pair_radius,
        background_index=background_index),
    test_cfg=dict(rw_radius=rw_radius, beta=beta, exp_times=exp_times,
                  sem_seg_bg_thres=sem_seg_bg_thres,
                  crf=dict(type='DenseCRFRefiner', preset='irn')))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadIRLabel', cam_dump_dir=cam_dump_dir, label_dir=ir_label_dir,
         background_index=background_index, conf_fg_thres=conf_fg_thres,
         conf_bg_thres=conf_bg_thres),
    dict(type='mmseg.RandomResize', scale=(500, 500), ratio_range=(0.5, 1.5),
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
        pipeline=pseudo_pipeline))
test_evaluator = [
    dict(type='PseudoLabelMetric', background_index=background_index, prefix='rw'),
    dict(type='PseudoLabelMetric', background_index=background_index,
         pred_field='crf_sem_seg', prefix='crf'),
]
test_cfg = dict(type='DumpTestLoop', dump_dir=pseudo_dir, dump_type='labels',
                label_fields=dict(pred_sem_seg='rw', crf_sem_seg='crf'))
val_dataloader = None
val_evaluator = None
val_cfg = None
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=lr, momentum=1e-4, weight_decay=1e-4),
    paramwise_cfg=dict(custom_keys={'decode_head.dp_': dict(lr_mult=10.0)}))
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
work_dir = f'{work_root}/irn'
