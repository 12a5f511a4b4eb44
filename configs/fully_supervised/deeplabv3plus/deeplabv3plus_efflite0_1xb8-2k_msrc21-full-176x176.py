# Fully supervised MSRC-21 (21 classes, 277 train images): the CamVid
# reference recipe (DeepLabV3+ on EfficientNet-Lite0, SGD lr 0.01 with the
# backbone at 0.5x, poly to 1e-4, 2k iterations of 8 176x176 crops) with
# plain cross-entropy; the "full supervision" row of the MSRC-21 image-tag
# results. MSRC-21's classes are far less imbalanced per image than CamVid's
# (no thin poles or signs), so no class weights.
_base_ = [
    '../../_base_/models/deeplabv3plus_efflite0.py',  # model
    '../../_base_/datasets/msrc21.py',  # MSRC-21, original size, crops
    '../../_base_/default_runtime.py',  # scope, hooks, visualizer
    '../../_base_/schedules/schedule_2k.py',  # SGD poly, 2k iterations
]
max_iters = 2000
val_interval = max_iters // 2  # validation and checkpoints
crop_size = (176, 176)
num_classes = 21
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=num_classes))
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
