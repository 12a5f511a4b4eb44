# SYNTHIA-RAND-CITYSCAPES (9,400 frames of 1280x760) as a labelled source
# domain in the 19 Cityscapes train ids (GT/LABELS/*_labelTrainIds.png written
# once by tools/dataset_converters/synthia.py; 16 classes occur, terrain /
# truck / train never do), DAFormer's source pipeline: 512x512 crops of the
# full-size frames. Evaluated on Cityscapes val at 1024x512; IoUMetric reports
# 19 classes, and SYNTHIA results are the means over 16 and 13 of them
# (mmlabeleff.datasets.synthia.synthia_subset_miou).
dataset_type = 'SYNTHIADataset'
data_root = 'data/synthia'
cityscapes_root = 'data/cityscapes'
num_classes = 19
crop_size = (512, 512)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWeakAnnotations', num_classes=num_classes),
    dict(type='WeakResize', scale=(1280, 760), keep_ratio=True),
    dict(type='WeakRandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='WeakRandomFlip', prob=0.5),
    dict(type='PackWeakSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmseg.Resize', scale=(1024, 512), keep_ratio=True),
    dict(type='mmseg.LoadAnnotations'),
    dict(type='mmseg.PackSegInputs'),
]
train_dataloader = dict(
    batch_size=2,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='RGB', seg_map_path='GT/LABELS'),
        domain='source',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='CityscapesWeakDataset',
        data_root=cityscapes_root,
        data_prefix=dict(
            img_path='leftImg8bit/val', seg_map_path='gtFine/val'),
        supervision='full',
        domain='target',
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='mmseg.IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
