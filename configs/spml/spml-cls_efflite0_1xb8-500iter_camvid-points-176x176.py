# The classifier stage of the CamVid points chain (see the scribbles file;
# written out because configs inherit at most two levels): the classifier on
# the points model's frozen embedding and its walk + CRF pseudo labels.
_base_ = ['./spml_efflite0_1xb8-2k_camvid-scribbles-176x176.py']
stage1_work_dir = 'work_dirs/spml_efflite0_1xb8-2k_camvid-points-176x176'
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
        _delete_=True,
        type='CamVidDataset',
        data_root='data/camvid',
        ann_file='splits/train.txt',
        supervision='full',
        seg_map_root=pseudo_labels,
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
