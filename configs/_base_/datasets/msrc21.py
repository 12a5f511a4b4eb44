# MSRC-21: 277 train / 58 val object-centric photos of about 320x213 (or
# 213x320), 21 classes, void = 255 in the masks (see MSRC21Dataset). Trained
# at the original size with random scaling and 176x176 crops (the CamVid
# reference's crop and scale range); evaluated on whole images at the
# original size. data_root is a link to ../shared/data/msrc21:
#   mkdir -p data && ln -sfn "$(realpath ../shared/data/msrc21)" data/msrc21
dataset_type = 'MSRC21Dataset'
data_root = 'data/msrc21'
crop_size = (176, 176)
image_scale = (320, 320)  # keep_ratio: the original size of every image
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmseg.LoadAnnotations'),
    dict(type='mmseg.RandomResize', scale=image_scale,
         ratio_range=(0.75, 1.5), keep_ratio=True),
    dict(type='mmseg.RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='mmseg.RandomFlip', prob=0.5),
    dict(type='mmseg.PhotoMetricDistortion'),
    dict(type='mmseg.PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmseg.Resize', scale=image_scale, keep_ratio=True),
    dict(type='mmseg.LoadAnnotations'),
    dict(type='mmseg.PackSegInputs'),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='splits/train.txt',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='splits/val.txt',
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='mmseg.IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
