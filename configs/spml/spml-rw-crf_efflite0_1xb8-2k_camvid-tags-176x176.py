# SPML step 2 on CamVid tags: the random walk + dense CRF pseudo labels of
# the 367 train images, the walk started from the image's CAMs (the first
# step of the paper's Algorithm 2, public pseudo_camrw_crf.py; CAM dump of
# configs/irn/cam_efflite0_1xb8-600iter_camvid-tags-256x256.py) over the
# embedding of configs/spml/spml_efflite0_1xb8-2k_camvid-tags-176x176.py,
# scored on the masks (rw/*, crf/*). Algorithm 2's nearest-neighbour
# retrieval across images is not built.
_base_ = ['./spml-rw-crf_efflite0_1xb8-2k_camvid-scribbles-176x176.py']
stage1_work_dir = 'work_dirs/spml_efflite0_1xb8-2k_camvid-tags-176x176'
work_dir = stage1_work_dir
num_classes = 11
cam_dump_dir = 'work_dirs/irn_camvid/cam_dump'
model = dict(test_cfg=dict(random_walk=dict(seed='cam')))
pseudo_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadCAMDump', dump_dir=cam_dump_dir, with_cams=True),
    dict(type='mmseg.Resize', scale=(240, 180), keep_ratio=True),
    dict(type='LoadWeakAnnotations', num_classes=num_classes),
    dict(type='PackWeakSegInputs'),
]
test_dataloader = dict(
    dataset=dict(supervision='tags', weak_label=None, pipeline=pseudo_pipeline))
test_cfg = dict(dump_dir=f'{stage1_work_dir}/pseudo')
