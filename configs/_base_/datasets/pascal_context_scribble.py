# PASCAL-Context, 60 classes (background is class 0, as mmseg's
# PascalContextDataset and BLPSeg's public code, MODEL_NUM_CLASSES 60):
# 4,998 VOC 2010 train images with ScribbleSup scribbles, rasterised as
# 1-pixel polylines by
#   python tools/dataset_converters/scribblesup.py \
#       data/scribble_annotation/pascal_context \
#       data/VOCdevkit/VOC2010/ScribbleSup --dataset context60 \
#       --img-dir data/VOCdevkit/VOC2010/JPEGImages
# (ScribbleSup/context60_scribbles_r100), and the 5,105 val images with full
# masks (SegmentationClassContext, written by mmseg's pascal_context.py
# converter) for evaluation, mIoU over the 60 classes. Self-contained (no
# _base_) so that a recipe and a test-time child of it stay within two
# levels. The 59-class setting (background ignored) is
# pascal_context_59_scribble.py. Pipelines follow mmseg's pascal_context.py
# (520x520 scale, 480x480 crops); recipes replace them.
dataset_type = 'PascalContextScribbleDataset'
data_root = 'data/VOCdevkit/VOC2010'
supervision = 'scribbles'
sparse_prefix = 'ScribbleSup/context60_scribbles_r100'
num_classes = 60
img_scale = (520, 520)
crop_size = (480, 480)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWeakAnnotations', num_classes=num_classes),
    dict(type='mmseg.RandomResize', scale=img_scale, ratio_range=(0.5, 2.0),
         resize_type='WeakResize', keep_ratio=True),
    dict(type='WeakRandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='WeakRandomFlip', prob=0.5),
    dict(type='mmseg.PhotoMetricDistortion'),
    dict(type='PackWeakSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmseg.Resize', scale=img_scale, keep_ratio=True),
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
        ann_file='ImageSets/SegmentationContext/train.txt',
        data_prefix=dict(
            img_path='JPEGImages',
            seg_map_path='SegmentationClassContext',
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
        ann_file='ImageSets/SegmentationContext/val.txt',
        data_prefix=dict(
            img_path='JPEGImages', seg_map_path='SegmentationClassContext'),
        supervision='full',
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='mmseg.IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
