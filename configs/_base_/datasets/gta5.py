# GTA5 (24,966 frames of 1914x1052) as a labelled source domain in the 19
# Cityscapes train ids (labels/*_labelTrainIds.png written once by
# tools/dataset_converters/gta5.py), DAFormer's source pipeline: resize to
# 1280x720, 512x512 crops. Evaluated on Cityscapes val at 1024x512 (the
# source-only setting; the UDA recipes add the Cityscapes target split).
_base_ = ['./cityscapes_1024x512.py']  # Cityscapes val set, evaluator, loaders
dataset_type = 'GTA5Dataset'
data_root = 'data/gta5'
num_classes = 19
crop_size = (512, 512)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWeakAnnotations', num_classes=num_classes),
    dict(type='WeakResize', scale=(1280, 720), keep_ratio=True),
    dict(type='WeakRandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='WeakRandomFlip', prob=0.5),
    dict(type='PackWeakSegInputs'),
]
train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='images', seg_map_path='labels'),
        domain='source',
        pipeline=train_pipeline))
