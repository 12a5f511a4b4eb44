# CamVid for ST++'s retrainings (configs/semi_supervised/stpp/): the
# labelled images of a split and the unlabelled ones with pseudo labels
# dumped by the pipeline's labelling stages, selected into a reliable and an
# unreliable half (split files under stpp_root/select). Only new names, so
# that a recipe can inherit it beside the CamVid reference recipe.
# Pseudo-labelled crops get ST++'s strong augmentation (colour jitter
# 0.5/0.5/0.5/0.25 with p 0.8, grayscale 0.2, blur sigma 0.1-2 with p 0.5;
# its cutout is left out). Split files and dumps are named relative to
# data_root; the joined path is normalised, so ../../work_dirs/... is the
# run's folder.
stpp_split = '1_8'
stpp_root = 'work_dirs/stpp_efflite0_camvid-semi-1of8'
stpp_geometry = [
    dict(type='LoadImageFromFile'),
    dict(type='mmseg.LoadAnnotations'),
    dict(type='mmseg.RandomResize', scale=(240, 180), ratio_range=(0.75, 1.5),
         keep_ratio=True),
    dict(type='mmseg.RandomCrop', crop_size=(176, 176), cat_max_ratio=0.75),
    dict(type='mmseg.RandomFlip', prob=0.5),
]
stpp_strong = [
    dict(type='RandomApply', prob=0.8, transforms=[
        dict(type='ColorJitter', brightness=0.5, contrast=0.5,
             saturation=0.5, hue=0.25)]),
    dict(type='mmpretrain.RandomGrayscale', prob=0.2, keep_channels=True,
         channel_weights=(0.114, 0.587, 0.299)),
    dict(type='mmpretrain.GaussianBlur', magnitude_range=(0.1, 2.0),
         magnitude_std='inf', prob=0.5),
]
stpp_labeled_dataset = dict(
    type='CamVidDataset', data_root='data/camvid',
    ann_file=f'../camvid_semi/{stpp_split}/labeled.txt',
    pipeline=[*stpp_geometry, dict(type='mmseg.PhotoMetricDistortion'),
              dict(type='mmseg.PackSegInputs')])
stpp_reliable_dataset = dict(
    type='CamVidDataset', data_root='data/camvid',
    ann_file=f'../../{stpp_root}/select/reliable.txt',
    seg_map_root=f'{stpp_root}/label_2000/pred',
    pipeline=[*stpp_geometry, *stpp_strong, dict(type='mmseg.PackSegInputs')])
stpp_unreliable_dataset = dict(
    stpp_reliable_dataset,
    ann_file=f'../../{stpp_root}/select/unreliable.txt',
    seg_map_root=f'{stpp_root}/label_r1/pred')
