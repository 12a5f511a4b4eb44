# Supervised-only baseline of the semi-supervised table: DeepLabV3+ ResNet-101
# (output stride 16, as UniMatch) on the labelled images of PASCAL VOC 2012
# (classic protocol, 92 labelled images of VOC train, the rest of trainaug
# unlabelled), with the semi-supervised recipes' schedule. Schedule: 80 epochs
# of the unlabelled set at 4x2 crops per step, rounded to thousands of
# iterations; SGD lr 0.001 (decode head x10), momentum 0.9, weight decay 1e-4,
# poly 0.9.
_base_ = [
    '../../_base_/models/deeplabv3plus_r101-d16.py',  # UniMatch's model
    '../../_base_/datasets/voc12_aug_semi.py',  # labelled + unlabelled
    '../../_base_/default_runtime.py',  # scope, hooks, visualizer
    '../../_base_/schedules/schedule_semi_r101.py',  # UniMatch's SGD poly
]
max_iters = 105000
val_interval = max_iters // 10  # validation and checkpoints
crop_size = (321, 321)
num_classes = 21
split = '92'
model = _base_.model
model.data_preprocessor.size = crop_size
model.decode_head.num_classes = num_classes
labeled_dataset = _base_.labeled_dataset
labeled_dataset.ann_file = 'splits/{split}/labeled.txt'.format(split=split)
labeled_dataset.pipeline[-1] = dict(type='mmseg.PackSegInputs')
train_dataloader = dict(
    batch_size=2,
    sampler=dict(_delete_=True, type='InfiniteSampler', shuffle=True),
    dataset=dict(_delete_=True, **labeled_dataset))
param_scheduler = [
    dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=max_iters,
         by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
default_hooks = dict(checkpoint=dict(interval=val_interval))
