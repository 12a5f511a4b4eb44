# The weak-label half of the first-run demo (`make demo`): BLPSeg (Wang et
# al., IEEE TIP 2023) trained on TextureScenes from simulated full-length
# scribbles (about 2.8 % of the train pixels labelled), on the schedule,
# crops, augmentation, optimizer and backbone of the full-supervision demo
# recipe (deeplabv3plus_efflite0_1xb8-300iter_texture-scenes-full-96x96.py),
# so that its val mIoU can be read as a fraction of full supervision. As in
# the CamVid recipe (configs/blpseg/), self-training starts at a quarter of
# the schedule. The scribbles are written by
#   python tools/dataset_converters/simulate_weak_labels.py --dataset folder \
#       --img-dir data/texture_scenes/img_dir/train \
#       --ann-dir data/texture_scenes/ann_dir/train --img-suffix .png \
#       --num-classes 5 --types scribbles --scribble-ratios 1.0 \
#       --out-dir data/texture_scenes_weak
_base_ = [
    '../_base_/models/blpseg_efflite0.py',  # BLPSeg head on EfficientNet-Lite0
    '../_base_/datasets/texture_scenes.py',  # generated demo data, 96x96 crops
    '../_base_/default_runtime.py',  # scope, hooks, visualizer
    '../_base_/schedules/schedule_2k.py',  # SGD poly, shortened to 300 below
]
max_iters = 300
val_interval = max_iters  # validate and save once, at the end
self_training_start = max_iters // 4  # BLPSeg: 10k of ~42k on VOC
crop_size = (96, 96)
num_classes = 5
weak_root = 'data/texture_scenes_weak'  # written by simulate_weak_labels.py
supervision = 'scribbles'
weak_label = 'scribbles_r100'
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWeakAnnotations', num_classes=num_classes),
    dict(type='mmseg.RandomResize', scale=(128, 128), ratio_range=(0.75, 1.25),
         resize_type='WeakResize', keep_ratio=True),
    dict(type='WeakRandomCrop', crop_size=crop_size),
    dict(type='WeakRandomFlip', prob=0.5),
    dict(type='PackWeakSegInputs'),
]
train_dataloader = dict(
    dataset=dict(
        supervision=supervision, weak_root=weak_root, weak_label=weak_label,
        pipeline=train_pipeline))
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=num_classes))
custom_hooks = [dict(type='SelfTrainingHook', start_iter=self_training_start)]
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
