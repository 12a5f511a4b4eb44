# BLPSeg (Wang et al., IEEE TIP 2023) on PASCAL-Context with ScribbleSup
# scribbles, 60 classes (background is class 0, as mmseg's
# PascalContextDataset and the public code's MODEL_NUM_CLASSES 60; the mIoU
# is over the 60 classes), as the public code's
# experiment/blpseg-context/config.py (github.com/YudeWang/BLPSeg, MIT):
# the model and pipeline of the VOC recipe, 85 epochs of batch 8 on the
# 4,998 train images (floor(4998 / 8) = 624 iterations x 85 = 53,040),
# AdamW lr 2.4e-5 (TRAIN_LR; the VOC 3e-5 x 8 / 10), self-training from
# iteration 20,000 (TRAIN_ST_POINT). The paper gives no Context-specific
# schedule (its Sec. IV-B lists the VOC one: 40 epochs, batch 10, lr 3e-4).
# Evaluated on the 5,105 val masks at the original image size, whole image,
# single scale; Table VIII's numbers are multi-scale + flip (--tta), and its
# "w/ CRF" column is the -crf recipe (the public Context config has
# TEST_CRF False). Scribbles (ScribbleSup/context60_scribbles_r100):
#   python tools/dataset_converters/scribblesup.py \
#       data/scribble_annotation/pascal_context data/VOCdevkit/VOC2010/ScribbleSup \
#       --dataset context60 --img-dir data/VOCdevkit/VOC2010/JPEGImages
# No colour jitter and shuffled batches, as the VOC recipe (see its header);
# 2 GPUs x 4, SyncBN, mixed precision (fp32: --cfg-options
# optim_wrapper.type=OptimWrapper; see the README's known issue).
_base_ = [
    '../_base_/models/blpseg_r101.py',  # ResNet-101 + UperNet + BLPSeg head
    '../_base_/datasets/pascal_context_scribble.py',  # 60 classes, scribbles
    '../_base_/default_runtime.py',  # scope, hooks, visualizer, tta_model
    '../_base_/schedules/schedule_2k.py',  # loops, hooks (replaced below)
]
max_iters = 53040  # 85 epochs x floor(4998 / 8) iterations
val_interval = 5000  # the public code saves every 5,000 iterations
self_training_start = 20000  # TRAIN_ST_POINT of the Context config
lr = 2.4e-5  # TRAIN_LR of the Context config
crop_size = (384, 384)  # DATA_RANDOMCROP
num_classes = 60
batch_size_per_gpu = 4  # 2 GPUs x 4 = TRAIN_BATCHES 8
img_scale = (500, 500)  # with ratio_range: rescale by U(0.75, 1.25)
ratio_range = (0.75, 1.25)  # DATA_RANDOMSCALE
tta_scales = [0.5, 0.75, 1.0, 1.25]  # TEST_MULTISCALE, with TEST_FLIP
train_pipeline = [
    dict(type='LoadImageFromFile'),
    # tags of the whole image's scribbles mask the self-training targets
    dict(type='LoadWeakAnnotations', num_classes=num_classes,
         image_labels_from_sparse=True),
    dict(type='mmseg.RandomResize', scale=img_scale, ratio_range=ratio_range,
         resize_type='WeakResize', keep_ratio=True, interpolation='bicubic'),
    dict(type='WeakRandomCrop', crop_size=crop_size),
    dict(type='WeakRandomFlip', prob=0.5),
    dict(type='PackWeakSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmseg.LoadAnnotations'),
    dict(type='mmseg.PackSegInputs'),
]
tta_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='TestTimeAug',
        transforms=[
            [
                dict(type='mmseg.Resize', scale_factor=r, keep_ratio=True,
                     interpolation='bicubic') for r in tta_scales
            ],
            [
                dict(type='mmseg.RandomFlip', prob=0., direction='horizontal'),
                dict(type='mmseg.RandomFlip', prob=1., direction='horizontal')
            ],
            [dict(type='mmseg.LoadAnnotations')],
            [dict(type='mmseg.PackSegInputs')],
        ])
]
train_dataloader = dict(
    batch_size=batch_size_per_gpu,
    dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
model = dict(
    data_preprocessor=dict(size=crop_size),
    # background (0) always counts as present, as in the public code
    decode_head=dict(num_classes=num_classes, always_present_classes=(0,)))
custom_hooks = [dict(type='SelfTrainingHook', start_iter=self_training_start)]
optim_wrapper = dict(
    type='AmpOptimWrapper',
    optimizer=dict(
        _delete_=True, type='AdamW', lr=lr, betas=(0.9, 0.999),
        weight_decay=0.01))
param_scheduler = [
    dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=max_iters,
         by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
default_hooks = dict(checkpoint=dict(interval=val_interval))
randomness = dict(seed=0)
