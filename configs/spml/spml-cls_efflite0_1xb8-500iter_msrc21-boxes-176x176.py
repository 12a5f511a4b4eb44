# SPML step 3 on MSRC-21 boxes: the softmax classifier trained 500
# iterations on the CRF pseudo labels of
# spml-rw-crf_efflite0_1xb8-2k_msrc21-boxes-176x176.py over the frozen
# step-1 embedding (as the CamVid cls configs); validated on MSRC-21 val.
_base_ = ['./spml_efflite0_1xb8-2k_msrc21-tags-176x176.py']  # MSRC-21 data
stage1_work_dir = 'work_dirs/spml_efflite0_1xb8-2k_msrc21-boxes-176x176'
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
        weak_root=None,
        superpixel_root=None,
        seg_map_root=f'{stage1_work_dir}/pseudo/crf',
        pipeline=train_pipeline))
no_term = dict(weight=0.0)
model = dict(
    backbone=dict(frozen_stages=6, norm_eval=True),
    decode_head=dict(
        detach_classifier=True,
        relations=dict(all=dict(img_sim=no_term, sem_ann=no_term,
                                sem_occ=no_term, feat_aff=no_term))))
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=max_iters,
         by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
default_hooks = dict(checkpoint=dict(interval=val_interval))
