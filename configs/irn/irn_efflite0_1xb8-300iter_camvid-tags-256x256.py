# IRN stages 2-3 on CamVid image tags: the MSRC-21 recipe
# (irn_efflite0_1xb8-300iter_msrc21-tags-256x256.py) on CamVid's 367 train
# images at 240x180 (7 epochs). Needs the CAM dump of
# cam_efflite0_1xb8-600iter_camvid-tags-256x256.py.
#   train:        python tools/train.py \
#       configs/irn/irn_efflite0_1xb8-300iter_camvid-tags-256x256.py
#   pseudo masks: python tools/test.py \
#       configs/irn/irn_efflite0_1xb8-300iter_camvid-tags-256x256.py \
#       work_dirs/irn_camvid/irn/iter_300.pth
_base_ = ['./irn_efflite0_1xb8-300iter_msrc21-tags-256x256.py']
# --- values users change -------------------------------------------------
data_root = 'data/camvid'
weak_root = 'data/camvid_tags'
work_root = 'work_dirs/irn_camvid'
num_classes = 11
background_index = None
image_scale = (240, 180)
crop_size = (256, 256)
cam_dump_dir = f'{work_root}/cam_dump'
ir_label_dir = f'{work_root}/ir_label'
# -------------------------------------------------------------------------
dataset = dict(type='CamVidDataset', data_root=data_root, weak_root=weak_root)
train_dataloader = dict(dataset=dict(dataset, pipeline=[
    dict(type='LoadImageFromFile'),
    dict(type='LoadIRLabel', cam_dump_dir=cam_dump_dir, label_dir=ir_label_dir,
         background_index=background_index),
    dict(type='mmseg.RandomResize', scale=image_scale, ratio_range=(0.5, 1.5),
         resize_type='WeakResize', keep_ratio=True),
    dict(type='WeakRandomFlip', prob=0.5),
    dict(type='WeakRandomCrop', crop_size=crop_size),
    dict(type='PackWeakSegInputs'),
]))
test_dataloader = dict(dataset=dict(dataset, pipeline=[
    dict(type='LoadImageFromFile'),
    dict(type='mmseg.Resize', scale=image_scale, keep_ratio=True),
    dict(type='LoadCAMDump', dump_dir=cam_dump_dir),
    dict(type='LoadWeakAnnotations', num_classes=num_classes),
    dict(type='PackWeakSegInputs'),
]))
test_cfg = dict(dump_dir=f'{work_root}/pseudo')
work_dir = f'{work_root}/irn'
