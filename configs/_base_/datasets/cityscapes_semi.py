# Cityscapes, semi-supervised: 1/16, 1/8, 1/4 or 1/2 of the 2,975 train
# images labelled (labelTrainIds masks) and the rest unlabelled, drawn
# together into every batch by mmdet's MultiSourceSampler. Split files:
#   python tools/dataset_converters/semi_splits.py cityscapes data/cityscapes
# (<cityscapes>/splits/1_<d>/{labeled,unlabeled}.txt, seeded, nested).
# Crops of 769 with UniMatch's augmentation (github.com/LiheYoung/UniMatch,
# MIT): random scale 0.5-2 of 2048x1024, flip; unlabelled crops seen through
# a weak view and a strong one (colour jitter 0.5/0.5/0.5/0.25 with p 0.8,
# grayscale 0.2, blur sigma 0.1-2 with p 0.5). Evaluated on the 500 val
# images at 2048x1024 (sliding window in the recipes).
dataset_type = 'CityscapesWeakDataset'
data_root = 'data/cityscapes'
labeled_split = 'splits/1_16/labeled.txt'  # 186 of 2,975
unlabeled_split = 'splits/1_16/unlabeled.txt'  # the other 2,789
crop_size = (769, 769)
labeled_batch_size = 1  # per GPU; UniMatch: 8 GPUs
unlabeled_batch_size = 1
branch_field = ['sup', 'unsup_teacher', 'unsup_student']
geometry = [
    dict(type='mmseg.RandomResize', scale=(2048, 1024),
         ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='mmseg.RandomCrop', crop_size=crop_size),
    dict(type='mmseg.RandomFlip', prob=0.5),
]
strong_view = [
    dict(type='RandomApply', prob=0.8, transforms=[
        dict(type='ColorJitter', brightness=0.5, contrast=0.5,
             saturation=0.5, hue=0.25)]),
    dict(type='mmpretrain.RandomGrayscale', prob=0.2, keep_channels=True,
         channel_weights=(0.114, 0.587, 0.299)),
    dict(type='mmpretrain.GaussianBlur', magnitude_range=(0.1, 2.0),
         magnitude_std='inf', prob=0.5),
    dict(type='mmseg.PackSegInputs'),
]
labeled_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmseg.LoadAnnotations'),
    *geometry,
    dict(type='mmdet.MultiBranch', branch_field=branch_field,
         sup=dict(type='mmseg.PackSegInputs')),
]
unlabeled_pipeline = [
    dict(type='LoadImageFromFile'),
    *geometry,
    dict(type='mmdet.MultiBranch', branch_field=branch_field,
         unsup_teacher=dict(type='mmseg.PackSegInputs'),
         unsup_student=strong_view),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmseg.Resize', scale=(2048, 1024), keep_ratio=True),
    dict(type='mmseg.LoadAnnotations'),
    dict(type='mmseg.PackSegInputs'),
]
train_prefix = dict(img_path='leftImg8bit/train', seg_map_path='gtFine/train')
labeled_dataset = dict(
    type=dataset_type, data_root=data_root, ann_file=labeled_split,
    data_prefix=train_prefix, supervision='full', pipeline=labeled_pipeline)
unlabeled_dataset = dict(
    type=dataset_type, data_root=data_root, ann_file=unlabeled_split,
    data_prefix=train_prefix, supervision='unlabeled',
    pipeline=unlabeled_pipeline)
train_dataloader = dict(
    batch_size=labeled_batch_size + unlabeled_batch_size,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(
        type='mmdet.MultiSourceSampler',
        batch_size=labeled_batch_size + unlabeled_batch_size,
        source_ratio=[labeled_batch_size, unlabeled_batch_size]),
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
        data_prefix=dict(img_path='leftImg8bit/val',
                         seg_map_path='gtFine/val'),
        supervision='full',
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='mmseg.IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
