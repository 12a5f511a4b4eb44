# ST++ (Yang et al., CVPR 2022; github.com/LiheYoung/ST-PlusPlus, MIT) first
# retraining on PASCAL VOC 2012 (92 labelled images): the supervised-only
# DeepLabV3+ ResNet-101 recipe from ImageNet weights on the labelled images
# and the most reliable half of the unlabelled ones with the supervised
# model's pseudo labels, 2 + 2 crops per GPU (ST++ repeats the labelled list
# to match the pseudo-labelled one); colour jitter, grayscale and blur on the
# pseudo-labelled crops. stpp-pipeline_r101-d16_voc12aug-semi-*.py pass each
# split's files and schedule.
_base_ = [
    # model, schedule, val data, geometry and strong view of the semi base
    '../supervised/supervised_r101-d16_4xb2-105k_voc12aug-semi-92-321x321.py',
]
split = '92'
stpp_root = 'work_dirs/stpp_r101-d16_voc12aug-semi-92'
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
    ann_file=f'../../../{stpp_root}/select/reliable.txt',
    seg_map_root=f'{stpp_root}/label_105000/pred',
    pipeline=pseudo_pipeline)
work_dir = f'{stpp_root}/retrain1'
train_dataloader = dict(
    batch_size=4,
    sampler=dict(_delete_=True, type='mmdet.MultiSourceSampler',
                 batch_size=4, source_ratio=[2, 2]),
    dataset=dict(_delete_=True, type='ConcatDataset',
                 datasets=[labeled_dataset, reliable_dataset]))
