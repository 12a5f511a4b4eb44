# The supervised-only baseline of the semi-supervised table: the CamVid
# reference recipe (DeepLabV3+ EfficientNet-Lite0, median-frequency
# class-weighted cross-entropy, batch 8, 176x176 crops, SGD 0.01 poly, 2k
# iterations) trained on the labelled images of the 1/8 split only (46 of
# 367; tools/dataset_converters/semi_splits.py camvid ... --out-dir
# data/camvid_semi).
_base_ = [
    # the fully supervised reference (48.32 on all 367 images)
    '../../fully_supervised/deeplabv3plus/'
    'deeplabv3plus-mfb_efflite0_1xb8-2k_camvid-full-176x176.py',
]
split = '1_8'  # 46 labelled images; '1_4': 92
train_dataloader = dict(
    dataset=dict(ann_file=f'../camvid_semi/{split}/labeled.txt'))
# every 500 iterations, all kept: ST++ scores the stability of its
# predictions over these checkpoints (configs/semi_supervised/stpp/)
default_hooks = dict(checkpoint=dict(interval=500, max_keep_ckpts=-1))
