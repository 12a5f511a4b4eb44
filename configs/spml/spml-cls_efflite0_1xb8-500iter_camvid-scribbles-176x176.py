# SPML's last stage (Algorithm 1, step 4): a softmax classifier trained on
# the walk + CRF pseudo labels of every training image over the frozen
# embedding of the scribbles recipe (backbone and embedding head frozen:
# the classifier reads the detached embedding and no relationship term is
# on). The public code trains it 4k iterations (2/15 of its 30k) with
# stronger augmentation (scale 0.5-2.0, grayscale 0.3, blur 0.5); here 500
# iterations (1/4 of the 2k recipe) with scale 0.5-2.0 and grayscale 0.3
# (no blur). Its validation is the SPML row of the results table:
#   python tools/train.py \
#       configs/spml/spml-cls_efflite0_1xb8-500iter_camvid-scribbles-176x176.py
_base_ = [
    '../_base_/models/spml_efflite0.py',  # SPML head on EfficientNet-Lite0
    '../_base_/datasets/camvid.py',  # CamVid 11 classes, val / test sets
    '../_base_/default_runtime.py',  # scope, hooks, visualizer
    '../_base_/schedules/schedule_2k.py',  # loops, hooks (schedule below)
]
stage1_work_dir = 'work_dirs/spml_efflite0_1xb8-2k_camvid-scribbles-176x176'
pseudo_labels = f'{stage1_work_dir}/pseudo/crf'  # spml-rw-crf_... writes them
load_from = f'{stage1_work_dir}/iter_2000.pth'
max_iters = 500
val_interval = max_iters
crop_size = (176, 176)
num_classes = 11
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWeakAnnotations', num_classes=num_classes),
    dict(type='mmseg.RandomResize', scale=(240, 180), ratio_range=(0.5, 2.0),
         resize_type='WeakResize', keep_ratio=True),
    dict(type='WeakRandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='WeakRandomFlip', prob=0.5),
    dict(type='RandomGrayscale', prob=0.3, keep_channels=True),
    dict(type='PackWeakSegInputs'),
]
train_dataloader = dict(
    dataset=dict(
        type='CamVidDataset',
        data_root='data/camvid',
        ann_file='splits/train.txt',
        supervision='full',
        seg_map_root=pseudo_labels,
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
# the recipe's optimizer: the public code's head multipliers
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
