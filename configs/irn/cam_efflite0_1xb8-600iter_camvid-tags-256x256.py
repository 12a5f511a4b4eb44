# IRN stage 1 on CamVid image tags (simulated from the masks): the MSRC-21
# recipe (cam_efflite0_1xb8-600iter_msrc21-tags-256x256.py) on CamVid's 367
# train images at the reference recipe's 240x180 (13 epochs). Tags:
#   python tools/dataset_converters/simulate_weak_labels.py --dataset camvid \
#       --data-root data/camvid --split train --out-dir data/camvid_tags --types tags
#   train:  python tools/train.py \
#       configs/irn/cam_efflite0_1xb8-600iter_camvid-tags-256x256.py
#   dump:   python tools/test.py \
#       configs/irn/cam_efflite0_1xb8-600iter_camvid-tags-256x256.py \
#       work_dirs/irn_camvid/cam/iter_600.pth
_base_ = ['./cam_efflite0_1xb8-600iter_msrc21-tags-256x256.py']
# --- values users change -------------------------------------------------
data_root = 'data/camvid'
weak_root = 'data/camvid_tags'
work_root = 'work_dirs/irn_camvid'
num_classes = 11  # no background class
image_scale = (240, 180)
crop_size = (256, 256)
# -------------------------------------------------------------------------
dataset = dict(type='CamVidDataset', data_root=data_root, weak_root=weak_root)
model = dict(decode_head=dict(num_classes=num_classes))
train_dataloader = dict(dataset=dict(dataset, pipeline=[
    dict(type='LoadImageFromFile'),
    dict(type='LoadWeakAnnotations', num_classes=num_classes),
    dict(type='mmseg.RandomResize', scale=image_scale, ratio_range=(0.75, 1.5),
         resize_type='WeakResize', keep_ratio=True),
    dict(type='WeakRandomCrop', crop_size=crop_size),
    dict(type='WeakRandomFlip', prob=0.5),
    dict(type='PackWeakSegInputs'),
]))
test_dataloader = dict(dataset=dict(dataset, pipeline=[
    dict(type='LoadImageFromFile'),
    dict(type='mmseg.Resize', scale=image_scale, keep_ratio=True),
    dict(type='LoadWeakAnnotations', num_classes=num_classes),
    dict(type='PackWeakSegInputs'),
]))
test_cfg = dict(dump_dir=f'{work_root}/cam_dump')
work_dir = f'{work_root}/cam'
