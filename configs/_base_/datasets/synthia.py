# SYNTHIA-RAND-CITYSCAPES (9,400 frames of 1280x760) as a labelled source
# domain in the 19 Cityscapes train ids (GT/LABELS/*_labelTrainIds.png written
# once by tools/dataset_converters/synthia.py; 16 classes occur, terrain /
# truck / train never do), DAFormer's source pipeline: 512x512 crops of the
# full-size frames. Evaluated on Cityscapes val at 1024x512; SubsetIoUMetric
# reports mmseg's metrics over the 19 classes and the SYNTHIA protocol's
# means over 16 (mIoU16) and 13 (mIoU13, without wall, fence and pole).
_base_ = ['./cityscapes_1024x512.py']  # Cityscapes val set, evaluator, loaders
dataset_type = 'SYNTHIADataset'
data_root = 'data/synthia'
num_classes = 19
crop_size = (512, 512)
synthia_16_classes = [
    'road', 'sidewalk', 'building', 'wall', 'fence', 'pole', 'traffic light',
    'traffic sign', 'vegetation', 'sky', 'person', 'rider', 'car', 'bus',
    'motorcycle', 'bicycle'
]
synthia_13_classes = [
    c for c in synthia_16_classes if c not in ('wall', 'fence', 'pole')
]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWeakAnnotations', num_classes=num_classes),
    dict(type='WeakResize', scale=(1280, 760), keep_ratio=True),
    dict(type='WeakRandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='WeakRandomFlip', prob=0.5),
    dict(type='PackWeakSegInputs'),
]
train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='RGB', seg_map_path='GT/LABELS'),
        domain='source',
        pipeline=train_pipeline))
val_evaluator = dict(
    type='SubsetIoUMetric',
    subsets=dict(mIoU16=synthia_16_classes, mIoU13=synthia_13_classes))
test_evaluator = val_evaluator
