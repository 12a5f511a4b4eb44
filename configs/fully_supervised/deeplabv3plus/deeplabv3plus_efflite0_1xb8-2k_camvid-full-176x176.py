# Fully supervised reference recipe on CamVid: the upper bound that every
# weak-label result on CamVid is reported next to.
_base_ = [
    '../../_base_/models/deeplabv3plus_efficientnet-lite0.py',  # model
    '../../_base_/datasets/camvid.py',  # CamVid 11 classes, 240x180 inputs
    '../../_base_/default_runtime.py',  # scope, hooks, visualizer
    '../../_base_/schedules/schedule_2k.py',  # SGD poly, 2k iterations
]
max_iters = 2000
crop_size = (176, 176)
model = dict(
    data_preprocessor=dict(size=crop_size), decode_head=dict(num_classes=11))
optim_wrapper = dict(
    optimizer=dict(lr=0.01),
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.5)}))
train_cfg = dict(max_iters=max_iters, val_interval=1000)
randomness = dict(seed=0)
