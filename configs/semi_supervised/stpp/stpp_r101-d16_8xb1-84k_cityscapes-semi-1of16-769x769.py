# ST++ (Yang et al., CVPR 2022; github.com/LiheYoung/ST-PlusPlus, MIT) final
# retraining on Cityscapes (1/16 of the train images labelled), ST++'s result: the first
# retraining's recipe on the labelled images (2 crops per GPU), the reliable
# half with the supervised model's pseudo labels and the unreliable half
# relabelled by the first retraining (1 + 1 per GPU).
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
unreliable_dataset = dict(
    reliable_dataset,
    ann_file=f'../../{stpp_root}/select/unreliable.txt',
    seg_map_root=f'{stpp_root}/label_r1/pred')
work_dir = f'{stpp_root}/final'
train_dataloader = dict(
    batch_size=4,
    sampler=dict(_delete_=True, type='mmdet.MultiSourceSampler',
                 batch_size=4, source_ratio=[2, 1, 1]),
    dataset=dict(_delete_=True, type='ConcatDataset',
                 datasets=[labeled_dataset, reliable_dataset,
                           unreliable_dataset]))
