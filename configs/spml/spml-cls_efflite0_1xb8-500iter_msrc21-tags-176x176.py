# SPML step 3 on MSRC-21 tags: the softmax classifier trained 500
# iterations on the CRF pseudo labels of
# spml-rw-crf_efflite0_1xb8-2k_msrc21-tags-176x176.py over the frozen
# step-1 embedding (as the CamVid cls configs); validated on MSRC-21 val.
# The MSRC-21 boxes version inherits it.
_base_ = [
    '../_base_/models/spml_efflite0.py',  # SPML head on EfficientNet-Lite0
    '../_base_/datasets/msrc21.py',  # MSRC-21, original size, val set
    '../_base_/default_runtime.py',  # scope, hooks, visualizer
    '../_base_/schedules/schedule_2k.py',  # loops, hooks (schedule below)
]
stage1_work_dir = 'work_dirs/spml_efflite0_1xb8-2k_msrc21-tags-176x176'
load_from = f'{stage1_work_dir}/iter_2000.pth'
max_iters = 500
val_interval = max_iters
crop_size = (176, 176)
num_classes = 21
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWeakAnnotations', num_classes=num_classes),
    dict(type='mmseg.RandomResize', scale=(320, 320), ratio_range=(0.5, 2.0),
         resize_type='WeakResize', keep_ratio=True),
    dict(type='WeakRandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='WeakRandomFlip', prob=0.5),
    dict(type='RandomGrayscale', prob=0.3, keep_channels=True),
    dict(type='PackWeakSegInputs'),
]
train_dataloader = dict(
    dataset=dict(
        supervision='full',
        seg_map_root=f'{stage1_work_dir}/pseudo/crf',
        pipeline=train_pipeline))
no_term = dict(weight=0.0)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(frozen_stages=6, norm_eval=True),
    decode_head=dict(
        num_classes=num_classes,
        detach_classifier=True,
        relations=dict(all=dict(img_sim=no_term, sem_ann=no_term,
                                sem_occ=no_term, feat_aff=no_term))))
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
