# Cityscapes at half resolution (1024x512), the target domain of the UDA
# protocol of DAFormer (Hoyer et al., CVPR 2022): the 2,975 train images with
# full labels (the target-only "oracle"; labelTrainIds from mmseg's converter
# or tools/dataset_converters/cityscapes.py) resized to 1024x512, 512x512
# crops; evaluated on the 500 val images at 1024x512. The UDA source configs
# (gta5.py, synthia.py) inherit its val / test sets and evaluator.
dataset_type = 'CityscapesWeakDataset'
data_root = 'data/cityscapes'
num_classes = 19
crop_size = (512, 512)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWeakAnnotations', num_classes=num_classes),
    dict(type='WeakResize', scale=(1024, 512), keep_ratio=True),
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
        data_prefix=dict(
            img_path='leftImg8bit/train', seg_map_path='gtFine/train'),
        domain='target',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(
            img_path='leftImg8bit/val', seg_map_path='gtFine/val'),
        supervision='full',
        domain='target',
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='mmseg.IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
