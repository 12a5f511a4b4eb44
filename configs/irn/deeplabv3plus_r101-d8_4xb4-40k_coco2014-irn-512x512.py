# IRN stage 4 on MS-COCO 2014: the VOC segmenter recipe
# (deeplabv3plus_r101-d8_4xb4-20k_voc12aug-irn-512x512.py) with 81 classes,
# 40k iterations on the IRN pseudo masks of train2014, evaluated on val2014.
_base_ = ['./deeplabv3plus_r101-d8_4xb4-20k_voc12aug-irn-512x512.py']
work_root = 'work_dirs/irn_coco2014'
num_classes = 81
max_iters = 40000
coco = dict(
    _delete_=True,
    type='COCOWeakDataset',
    data_root='data/coco',
    pipeline={{_base_.train_pipeline}})
model = dict(decode_head=dict(num_classes=num_classes))
train_dataloader = dict(dataset=dict(
    coco, ann_file='annotations/instances_train2014.json',
    data_prefix=dict(img_path='train2014', seg_map_path='semantic/train2014'),
    supervision='full', filter_empty=True,
    seg_map_root=f'{work_root}/pseudo/rw'))
val_dataloader = dict(dataset=dict(
    coco, ann_file='annotations/instances_val2014.json',
    data_prefix=dict(img_path='val2014', seg_map_path='semantic/val2014'),
    supervision='full', test_mode=True, pipeline={{_base_.test_pipeline}}))
test_dataloader = val_dataloader
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=max_iters,
         by_epoch=False)
]
train_cfg = dict(max_iters=max_iters)
work_dir = f'{work_root}/seg'
