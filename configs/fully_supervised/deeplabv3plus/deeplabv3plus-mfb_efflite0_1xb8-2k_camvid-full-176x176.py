# The fully supervised CamVid reference with median-frequency class balancing
# (Eigen and Fergus, ICCV 2015; the CamVid setting of SegNet): class c's loss
# weight is median(freq) / freq(c), freq(c) = pixels of c / pixels of the
# train images that contain c, measured on the 367 train labels. Uses
# PartialCrossEntropyLoss, whose class weights work with ignored pixels.
# The plain cross-entropy and test-time CRF recipes of this folder inherit it.
_base_ = [
    '../../_base_/models/deeplabv3plus_efflite0.py',  # model
    '../../_base_/datasets/camvid.py',  # CamVid 11 classes, 240x180 inputs
    '../../_base_/default_runtime.py',  # scope, hooks, visualizer
    '../../_base_/schedules/schedule_2k.py',  # SGD poly, 2k iterations
]
max_iters = 2000
val_interval = max_iters // 2  # validation and checkpoints
crop_size = (176, 176)
num_classes = 11
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmseg.LoadAnnotations'),
    dict(type='mmseg.RandomResize', scale=(240, 180), ratio_range=(0.75, 1.5),
         keep_ratio=True),
    dict(type='mmseg.RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='mmseg.RandomFlip', prob=0.5),
    dict(type='mmseg.PhotoMetricDistortion'),
    dict(type='mmseg.PackSegInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(
        num_classes=num_classes,
        loss_decode=dict(
            _delete_=True,
            type='PartialCrossEntropyLoss',
            class_weight=[0.2793, 0.2017, 4.7865, 0.149, 1.0, 0.4217, 3.8467,
                          1.9736, 0.7889, 6.3747, 8.8587],
            loss_name='loss_ce')))
optim_wrapper = dict(
    optimizer=dict(lr=0.01),
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.5)}))
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=max_iters,
         by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
default_hooks = dict(checkpoint=dict(interval=val_interval))
randomness = dict(seed=0)
