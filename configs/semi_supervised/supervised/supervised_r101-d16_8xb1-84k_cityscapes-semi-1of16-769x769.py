# Supervised-only baseline of the semi-supervised table: DeepLabV3+ ResNet-101
# (output stride 16, as UniMatch) on the labelled images of Cityscapes (1/16 of
# the 2,975 train images labelled), with the semi-supervised recipes' schedule.
# Schedule: 240 epochs of the unlabelled set at 8x1 crops per step, rounded to
# thousands of iterations; SGD lr 0.005 (decode head x1), momentum 0.9, weight
# decay 1e-4, poly 0.9.
_base_ = [
    '../../_base_/models/deeplabv3plus_r101-d16.py',  # UniMatch's model
    '../../_base_/datasets/cityscapes_semi.py',  # labelled + unlabelled
    '../../_base_/default_runtime.py',  # scope, hooks, visualizer
    '../../_base_/schedules/schedule_semi_r101.py',  # UniMatch's SGD poly
]
max_iters = 84000
val_interval = max_iters // 10  # validation and checkpoints
crop_size = (769, 769)
num_classes = 19
split = '1_16'
model = _base_.model
model.data_preprocessor.size = crop_size
model.decode_head.num_classes = num_classes
# UniMatch's Cityscapes supervised loss: OHEM (0.7, 100,000 pixels)
model.decode_head.sampler = dict(
    type='mmseg.OHEMPixelSampler', thresh=0.7, min_kept=100000)
model.test_cfg = dict(mode='slide', crop_size=crop_size, stride=(513, 513))
labeled_dataset = _base_.labeled_dataset
labeled_dataset.ann_file = 'splits/{split}/labeled.txt'.format(split=split)
labeled_dataset.pipeline[-1] = dict(type='mmseg.PackSegInputs')
train_dataloader = dict(
    batch_size=1,
    sampler=dict(_delete_=True, type='InfiniteSampler', shuffle=True),
    dataset=dict(_delete_=True, **labeled_dataset))
optim_wrapper = dict(
    optimizer=dict(lr=0.005),
    paramwise_cfg=dict(custom_keys={'decode_head': dict(lr_mult=1.0)}))
param_scheduler = [
    dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=max_iters,
         by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
default_hooks = dict(checkpoint=dict(interval=val_interval))
