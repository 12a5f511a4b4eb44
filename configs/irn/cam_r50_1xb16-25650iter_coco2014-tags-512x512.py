# IRN stage 1 on MS-COCO 2014 (82,081 train2014 images with objects, 80
# thing classes + background): the VOC recipe of
# cam_r50_1xb16-3305iter_voc12aug-tags-512x512.py with COCO's images, 5 epochs
# (5,130 x 5 = 25,650 iterations). Render the train masks first (seed scores):
#   python tools/dataset_converters/coco_weak.py data/coco --split train2014
_base_ = ['./cam_r50_1xb16-3305iter_voc12aug-tags-512x512.py']
data_root = 'data/coco'
work_root = 'work_dirs/irn_coco2014'
num_classes = 81
max_iters = 25650
coco_train = dict(
    _delete_=True,
    type='COCOWeakDataset',
    data_root=data_root,
    ann_file='annotations/instances_train2014.json',
    data_prefix=dict(img_path='train2014', seg_map_path='semantic/train2014'),
    supervision='tags',
    filter_empty=True)
model = dict(decode_head=dict(num_classes=num_classes))
train_dataloader = dict(dataset=dict(coco_train, pipeline={{_base_.train_pipeline}}))
test_dataloader = dict(dataset=dict(coco_train, keep_seg_map_path=True,
                                    pipeline={{_base_.dump_pipeline}}))
test_cfg = dict(dump_dir=f'{work_root}/cam_dump')
param_scheduler = [
    dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=max_iters,
         by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=max_iters))
work_dir = f'{work_root}/cam'
