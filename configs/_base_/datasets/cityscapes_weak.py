# Cityscapes, semi-supervised: a labelled split (supervision='full') and an
# unlabelled one (supervision='unlabeled') of leftImg8bit/train, drawn together
# into every batch by mmdet's MultiSourceSampler (labelled:unlabelled =
# source_ratio). Split files list one image id per line
# (aachen_000000_000019); labelTrainIds PNGs come from mmseg's converter or
# tools/dataset_converters/cityscapes.py. Evaluated on the 500 val images.
dataset_type = 'CityscapesWeakDataset'
data_root = 'data/cityscapes'
labeled_split = 'splits/1_8/labeled.txt'  # 372 of 2,975 images
unlabeled_split = 'splits/1_8/unlabeled.txt'  # the other 2,603
num_classes = 19
crop_size = (512, 1024)
batch_size = 4  # labelled + unlabelled images per GPU
source_ratio = [1, 1]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWeakAnnotations', num_classes=num_classes),
    dict(type='RandomResize', scale=(2048, 1024), ratio_range=(0.5, 2.0),
         resize_type='WeakResize', keep_ratio=True),
    dict(type='WeakRandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='WeakRandomFlip', prob=0.5),
    dict(type='mmseg.PhotoMetricDistortion'),
    dict(type='PackWeakSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmseg.Resize', scale=(2048, 1024), keep_ratio=True),
    dict(type='mmseg.LoadAnnotations'),
    dict(type='mmseg.PackSegInputs'),
]
train_data_prefix = dict(
    img_path='leftImg8bit/train', seg_map_path='gtFine/train')
labeled_dataset = dict(
    type=dataset_type,
    data_root=data_root,
    ann_file=labeled_split,
    data_prefix=train_data_prefix,
    supervision='full',
    pipeline=train_pipeline)
unlabeled_dataset = dict(
    type=dataset_type,
    data_root=data_root,
    ann_file=unlabeled_split,
    data_prefix=train_data_prefix,
    supervision='unlabeled',
    pipeline=train_pipeline)
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(
        type='mmdet.MultiSourceSampler',
        batch_size=batch_size,
        source_ratio=source_ratio),
    dataset=dict(
        type='ConcatDataset', datasets=[labeled_dataset, unlabeled_dataset]))
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
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='mmseg.IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
