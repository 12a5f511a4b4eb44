# SPML step 2 on MSRC-21 boxes (the walk masked to the box classes).
_base_ = ['./spml-rw-crf_efflite0_1xb8-2k_msrc21-tags-176x176.py']
stage1_work_dir = 'work_dirs/spml_efflite0_1xb8-2k_msrc21-boxes-176x176'
work_dir = stage1_work_dir
model = dict(test_cfg=dict(random_walk=dict(seed='classifier')))
pseudo_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmseg.Resize', scale=(320, 320), keep_ratio=True),
    dict(type='LoadWeakAnnotations', num_classes=21,
         image_labels_from_sparse=True),
    dict(type='PackWeakSegInputs'),
]
test_dataloader = dict(
    dataset=dict(supervision='boxes', pipeline=pseudo_pipeline))
test_cfg = dict(dump_dir=f'{stage1_work_dir}/pseudo')
