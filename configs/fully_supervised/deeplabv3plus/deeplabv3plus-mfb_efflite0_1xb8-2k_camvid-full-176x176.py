# The fully supervised CamVid reference with median-frequency class balancing
# (Eigen and Fergus, ICCV 2015; the CamVid setting of SegNet): class c's loss
# weight is median(freq) / freq(c), freq(c) = pixels of c / pixels of the
# train images that contain c, measured on the 367 train labels. Uses
# PartialCrossEntropyLoss, whose class weights work with ignored pixels.
_base_ = [
    '../../_base_/models/deeplabv3plus_efficientnet-lite0.py',  # model
    '../../_base_/datasets/camvid.py',  # CamVid 11 classes, 240x180 inputs
    '../../_base_/default_runtime.py',  # scope, hooks, visualizer
    '../../_base_/schedules/schedule_2k.py',  # SGD poly, 2k iterations
]
max_iters = 2000
crop_size = (176, 176)
class_weight = [0.2793, 0.2017, 4.7865, 0.149, 1.0, 0.4217, 3.8467, 1.9736,
                0.7889, 6.3747, 8.8587]
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(
        num_classes=11,
        loss_decode=dict(
            _delete_=True,
            type='PartialCrossEntropyLoss',
            class_weight=class_weight,
            loss_name='loss_ce')))
optim_wrapper = dict(
    optimizer=dict(lr=0.01),
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=0.5)}))
train_cfg = dict(max_iters=max_iters, val_interval=1000)
randomness = dict(seed=0)
