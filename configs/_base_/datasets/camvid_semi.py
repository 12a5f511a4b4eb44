# CamVid, semi-supervised: the labelled images of a split (supervision='full')
# and the other train images without labels (supervision='unlabeled'), drawn
# together into every batch by mmdet's MultiSourceSampler (labelled :
# unlabelled = source_ratio). The split files are written outside the
# read-only data folder by
#   python tools/dataset_converters/semi_splits.py camvid data/camvid \
#       --out-dir data/camvid_semi
# (seeded, nested: 1_8 = 46 and 1_4 = 92 of the 367 train images).
# Each unlabelled crop is seen through a weak view (the teacher's: scale,
# crop, flip) and a strong view with the same geometry plus UniMatch's
# photometric augmentation (colour jitter 0.5/0.5/0.5/0.25 with p 0.8,
# grayscale p 0.2, Gaussian blur sigma 0.1-2 with p 0.5); CutMix / ClassMix
# happen on the batch, after the teacher (SemiBaseSegmentor). A recipe that
# needs a second strong view (UniMatch) adds 'unsup_student2' to
# branch_field and to the unlabelled MultiBranch. A recipe that changes
# `split` re-declares the two datasets and train_dataloader (mmengine does
# not pass a child's variables into its bases).
dataset_type = 'CamVidDataset'
data_root = 'data/camvid'  # a link to ../shared/data/camvid
split = '1_8'  # '1_8' (46 labelled images) or '1_4' (92)
labeled_split = f'../camvid_semi/{split}/labeled.txt'  # under data_root
unlabeled_split = f'../camvid_semi/{split}/unlabeled.txt'
crop_size = (176, 176)
labeled_batch_size = 8  # the reference recipe's batch
unlabeled_batch_size = 8
source_ratio = [labeled_batch_size, unlabeled_batch_size]
geometry = [
    dict(type='mmseg.RandomResize', scale=(240, 180), ratio_range=(0.75, 1.5),
         keep_ratio=True),
    dict(type='mmseg.RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='mmseg.RandomFlip', prob=0.5),
]
# the branches every sample has (those of the other source are None)
branch_field = ['sup', 'unsup_teacher', 'unsup_student']
strong_view = [
    dict(type='RandomApply', prob=0.8, transforms=[
        # mmpretrain's ColorJitter with a hue shift that works on numpy 2
        dict(type='ColorJitter', brightness=0.5, contrast=0.5,
             saturation=0.5, hue=0.25)]),
    # torchvision's luma weights, in the BGR order of the loaded image
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
    dict(type='mmseg.PhotoMetricDistortion'),  # as the reference recipe
    dict(type='mmdet.MultiBranch', branch_field=branch_field,
         sup=dict(type='mmseg.PackSegInputs')),
]
unlabeled_pipeline = [
    dict(type='LoadImageFromFile'),
    *geometry[:1],
    dict(type='mmseg.RandomCrop', crop_size=crop_size),  # no labels to balance
    *geometry[2:],
    dict(type='mmdet.MultiBranch', branch_field=branch_field,
         unsup_teacher=dict(type='mmseg.PackSegInputs'),
         unsup_student=strong_view),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmseg.Resize', scale=(240, 180), keep_ratio=True),
    dict(type='mmseg.LoadAnnotations'),
    dict(type='mmseg.PackSegInputs'),
]
labeled_dataset = dict(
    type=dataset_type,
    data_root=data_root,
    ann_file=labeled_split,
    supervision='full',
    pipeline=labeled_pipeline)
unlabeled_dataset = dict(
    type=dataset_type,
    data_root=data_root,
    ann_file=unlabeled_split,
    supervision='unlabeled',
    pipeline=unlabeled_pipeline)
train_dataloader = dict(
    batch_size=labeled_batch_size + unlabeled_batch_size,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(
        type='mmdet.MultiSourceSampler',
        batch_size=labeled_batch_size + unlabeled_batch_size,
        source_ratio=source_ratio),
    dataset=dict(
        type='ConcatDataset', datasets=[labeled_dataset, unlabeled_dataset]))
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
