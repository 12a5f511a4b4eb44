# The first-run demo (`make demo`): a short CPU training on the generated
# TextureScenes dataset, evaluated on its val split.
_base_ = [
    '../_base_/models/deeplabv3plus_efflite0.py',  # model
    '../_base_/datasets/texture_scenes.py',  # generated demo data, 96x96 crops
    '../_base_/default_runtime.py',  # scope, hooks, visualizer
    '../_base_/schedules/schedule_2k.py',  # SGD poly, shortened to 300 below
]
max_iters = 300
val_interval = max_iters  # validate and save once, at the end
crop_size = (96, 96)
num_classes = 5
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmseg.LoadAnnotations'),
    dict(type='mmseg.RandomResize', scale=(128, 128), ratio_range=(0.75, 1.25),
         keep_ratio=True),
    dict(type='mmseg.RandomCrop', crop_size=crop_size),
    dict(type='mmseg.RandomFlip', prob=0.5),
    dict(type='mmseg.PackSegInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=num_classes))
optim_wrapper = dict(optimizer=dict(lr=0.02))
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=max_iters,
         by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
default_hooks = dict(
    logger=dict(interval=25),
    checkpoint=dict(interval=val_interval, save_best=None, max_keep_ckpts=1))
randomness = dict(seed=0)
