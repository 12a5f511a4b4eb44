# SPML step 2 on MSRC-21 tags: random walk + dense CRF pseudo labels of the
# 277 train images, the walk started from the CAMs (Algorithm 2's first
# step, public pseudo_camrw_crf.py; the dump of
# configs/irn/cam_efflite0_1xb8-600iter_msrc21-tags-256x256.py) over the
# embedding of configs/spml/spml_efflite0_1xb8-2k_msrc21-tags-176x176.py,
# scored on the masks (rw/*, crf/*). The MSRC-21 boxes version walks
# Algorithm 1's classifier scores, masked to the box classes.
_base_ = ['./spml-rw-crf_efflite0_1xb8-2k_camvid-scribbles-176x176.py']
supervision = 'tags'
stage1_work_dir = f'work_dirs/spml_efflite0_1xb8-2k_msrc21-{supervision}-176x176'
work_dir = stage1_work_dir
num_classes = 21
cam_dump_dir = 'work_dirs/irn_msrc21/cam_dump'
model = dict(
    decode_head=dict(num_classes=num_classes),
    test_cfg=dict(random_walk=dict(seed='cam')))
pseudo_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadCAMDump', dump_dir=cam_dump_dir, with_cams=True),
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
