# ST++ (Yang et al., CVPR 2022; github.com/LiheYoung/ST-PlusPlus, MIT) first
# retraining on Cityscapes (1/16 of the train images labelled): the supervised-only
# DeepLabV3+ ResNet-101 recipe from ImageNet weights on the labelled images
# and the most reliable half of the unlabelled ones with the supervised
# model's pseudo labels, 1 + 1 crops per GPU (ST++ repeats the labelled list
# to match the pseudo-labelled one); colour jitter, grayscale and blur on the
# pseudo-labelled crops. stpp-pipeline_r101-d16_cityscapes-semi-*.py pass each
# split's files and schedule.
_base_ = [
    # model, schedule, val data, geometry and strong view of the semi base
    '../supervised/supervised_r101-d16_8xb1-84k_cityscapes-semi-1of16-769x769.py',
]
split = '1_16'
stpp_root = 'work_dirs/stpp_r101-d16_cityscapes-semi-1of16'
labeled_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmseg.LoadAnnotations'),
    *_base_.geometry,
    dict(type='mmseg.PackSegInputs'),
]
pseudo_pipeline = [*labeled_pipeline[:-1], *_base_.strong_view]
labeled_dataset = dict(
    type=_base_.dataset_type, data_root=_base_.data_root,
    ann_file=f'splits/{split}/labeled.txt', data_prefix=_base_.train_prefix,
    pipeline=labeled_pipeline)
reliable_dataset = dict(
    labeled_dataset,
    ann_file=f'../../{stpp_root}/select/reliable.txt',
    seg_map_root=f'{stpp_root}/label_84000/pred',
    pipeline=pseudo_pipeline)
work_dir = f'{stpp_root}/retrain1'
train_dataloader = dict(
    batch_size=2,
    sampler=dict(_delete_=True, type='mmdet.MultiSourceSampler',
                 batch_size=2, source_ratio=[1, 1]),
    dataset=dict(_delete_=True, type='ConcatDataset',
                 datasets=[labeled_dataset, reliable_dataset]))
