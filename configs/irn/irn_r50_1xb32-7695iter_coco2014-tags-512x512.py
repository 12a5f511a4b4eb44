# IRN stages 2-3 on MS-COCO 2014: the VOC recipe of
# irn_r50_1xb32-990iter_voc12aug-tags-512x512.py on COCO's 82,081 train2014
# images, 3 epochs (2,565 x 3 = 7,695 iterations); pseudo masks of train2014.
_base_ = ['./irn_r50_1xb32-990iter_voc12aug-tags-512x512.py']
data_root = 'data/coco'
work_root = 'work_dirs/irn_coco2014'
num_classes = 81
max_iters = 7695
cam_dump_dir = f'{work_root}/cam_dump'
ir_label_dir = f'{work_root}/ir_label'
coco_train = dict(
    _delete_=True,
    type='COCOWeakDataset',
    data_root=data_root,
    ann_file='annotations/instances_train2014.json',
    data_prefix=dict(img_path='train2014', seg_map_path='semantic/train2014'),
    supervision='tags',
    filter_empty=True)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadIRLabel', cam_dump_dir=cam_dump_dir, label_dir=ir_label_dir,
         background_index=0),
    dict(type='mmseg.RandomResize', scale=(640, 640), ratio_range=(0.5, 1.5),
         resize_type='WeakResize', keep_ratio=True),
    dict(type='WeakRandomFlip', prob=0.5),
    dict(type='WeakRandomCrop', crop_size=(512, 512)),
    dict(type='PackWeakSegInputs'),
]
pseudo_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadCAMDump', dump_dir=cam_dump_dir),
    dict(type='LoadWeakAnnotations', num_classes=num_classes),
    dict(type='PackWeakSegInputs'),
]
train_dataloader = dict(dataset=dict(coco_train, pipeline=train_pipeline))
test_dataloader = dict(dataset=dict(coco_train, keep_seg_map_path=True,
                                    pipeline=pseudo_pipeline))
test_cfg = dict(dump_dir=f'{work_root}/pseudo')
param_scheduler = [
    dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=max_iters,
         by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=max_iters))
work_dir = f'{work_root}/irn'
