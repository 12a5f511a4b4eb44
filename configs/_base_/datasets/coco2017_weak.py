# MS-COCO 2017 as 81 classes (background + the 80 things), the usual WSSS
# setting: train2017 images with at least one object, supervised by image tags
# (or boxes / full masks: change `supervision`); val2017 evaluated on semantic
# maps rendered from the instance masks. Render them once with
#   python tools/dataset_converters/coco_weak.py data/coco --split val2017
# (and --split train2017 for supervision='full' or pseudo-label evaluation).
dataset_type = 'COCOWeakDataset'
data_root = 'data/coco'
supervision = 'tags'  # 'tags' | 'boxes' | 'full' | 'unlabeled'
num_classes = 81
crop_size = (512, 512)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWeakAnnotations', num_classes=num_classes),
    dict(type='RandomResize', scale=(2048, 512), ratio_range=(0.5, 2.0),
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
        ann_file='annotations/instances_train2017.json',
        data_prefix=dict(
            img_path='train2017', seg_map_path='semantic/train2017'),
        supervision=supervision,
        filter_empty=True,  # 117,266 of the 118,287 images
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/instances_val2017.json',
        data_prefix=dict(img_path='val2017', seg_map_path='semantic/val2017'),
        supervision='full',
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='mmseg.IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
