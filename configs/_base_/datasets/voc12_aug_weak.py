# PASCAL VOC 2012 + SBD with weak labels: 10,582 trainaug images
# (tools/dataset_converters/voc_aug.py) for training, the 1,449 val images
# with full masks for evaluation. `supervision` is the label type of the
# training set: 'scribbles' (ScribbleSup, tools/dataset_converters/
# scribblesup.py), 'points' (sparse_prefix='ScribbleSup/points_r000'),
# 'partial', 'tags', 'boxes' (from Annotations/*.xml), 'full' or
# 'unlabeled'; a child config overrides
# train_dataloader.dataset.supervision (and data_prefix.sparse_map_path).
dataset_type = 'VOCWeakDataset'
data_root = 'data/VOCdevkit/VOC2012'
supervision = 'scribbles'
sparse_prefix = 'ScribbleSup/scribbles_r100'  # 1-px ScribbleSup scribbles
num_classes = 21
crop_size = (512, 512)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWeakAnnotations', num_classes=num_classes),
    dict(type='mmseg.RandomResize', scale=(2048, 512), ratio_range=(0.5, 2.0),
         resize_type='WeakResize', keep_ratio=True),
    dict(type='WeakRandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='WeakRandomFlip', prob=0.5),
    dict(type='mmseg.PhotoMetricDistortion'),
    dict(type='PackWeakSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmseg.Resize', scale=(2048, 512), keep_ratio=True),
    dict(type='mmseg.LoadAnnotations'),
    dict(type='mmseg.PackSegInputs'),
]
train_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='ImageSets/Segmentation/trainaug.txt',
        data_prefix=dict(
            img_path='JPEGImages',
            seg_map_path='SegmentationClassAug',
            sparse_map_path=sparse_prefix),
        supervision=supervision,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='ImageSets/Segmentation/val.txt',
        data_prefix=dict(
            img_path='JPEGImages', seg_map_path='SegmentationClass'),
        supervision='full',
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='mmseg.IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
