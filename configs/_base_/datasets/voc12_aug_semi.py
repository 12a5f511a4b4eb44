# PASCAL VOC 2012, semi-supervised (the classic protocol): N labelled images
# of VOC train (92 / 183 / 366 / 732 / 1,464; full masks) and the rest of
# the 10,582 trainaug images unlabelled, drawn together into every batch by
# mmdet's MultiSourceSampler. Split files:
#   python tools/dataset_converters/semi_splits.py voc data/VOCdevkit/VOC2012
# (<VOC2012>/splits/<N>/{labeled,unlabeled}.txt, seeded, nested). Crops of
# 321 with UniMatch's augmentation (github.com/LiheYoung/UniMatch, MIT):
# random scale 0.5-2 of the ~500-pixel images, flip; unlabelled crops seen
# through a weak view and a strong one (colour jitter 0.5/0.5/0.5/0.25 with
# p 0.8, grayscale 0.2, blur sigma 0.1-2 with p 0.5). Evaluated on the
# 1,449 val images at their size.
dataset_type = 'VOCWeakDataset'
data_root = 'data/VOCdevkit/VOC2012'
labeled_split = 'splits/92/labeled.txt'  # 92 of VOC train
unlabeled_split = 'splits/92/unlabeled.txt'  # the other 10,490
crop_size = (321, 321)
labeled_batch_size = 2  # per GPU; UniMatch: 4 GPUs
unlabeled_batch_size = 2
branch_field = ['sup', 'unsup_teacher', 'unsup_student']
geometry = [
    dict(type='mmseg.RandomResize', scale=(500, 500), ratio_range=(0.5, 2.0),
         keep_ratio=True),
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
    dict(type='mmseg.LoadAnnotations'),
    dict(type='mmseg.PackSegInputs'),
]
train_prefix = dict(img_path='JPEGImages', seg_map_path='SegmentationClassAug')
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
        ann_file='ImageSets/Segmentation/val.txt',
        data_prefix=dict(img_path='JPEGImages',
                         seg_map_path='SegmentationClass'),
        supervision='full',
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='mmseg.IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
