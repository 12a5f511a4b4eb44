# SPML step 2 on MSRC-21 boxes: random walk + dense CRF pseudo labels of the
# 277 train images with Algorithm 1 (the classifier's scores masked to the
# box classes) from the checkpoint of
# configs/spml/spml_efflite0_1xb8-2k_msrc21-boxes-176x176.py, scored on the
# masks (rw/*, crf/*).
_base_ = ['./spml-rw-crf_efflite0_1xb8-2k_camvid-scribbles-176x176.py']
supervision = 'boxes'
stage1_work_dir = f'work_dirs/spml_efflite0_1xb8-2k_msrc21-{supervision}-176x176'
work_dir = stage1_work_dir
num_classes = 21
model = dict(
    decode_head=dict(num_classes=num_classes),
    test_cfg=dict(random_walk=dict(seed='classifier')))
pseudo_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmseg.Resize', scale=(320, 320), keep_ratio=True),
    dict(type='LoadWeakAnnotations', num_classes=num_classes,
         image_labels_from_sparse=True),
    dict(type='PackWeakSegInputs'),
]
test_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='MSRC21Dataset',
        data_root='data/msrc21',
        ann_file='splits/train.txt',
        supervision=supervision,
        weak_root='data/msrc21_weak',
        keep_seg_map_path=True,
        pipeline=pseudo_pipeline))
test_cfg = dict(dump_dir=f'{stage1_work_dir}/pseudo')
