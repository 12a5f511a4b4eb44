# SPML step 2 on CamVid boxes: the random walk + dense CRF pseudo labels of
# the 367 train images (Algorithm 1; the walk is masked to the image's
# box classes), from the checkpoint of
# configs/spml/spml_efflite0_1xb8-2k_camvid-boxes-176x176.py, scored on the
# masks (rw/*, crf/*).
_base_ = ['./spml-rw-crf_efflite0_1xb8-2k_camvid-scribbles-176x176.py']
stage1_work_dir = 'work_dirs/spml_efflite0_1xb8-2k_camvid-boxes-176x176'
work_dir = stage1_work_dir
test_dataloader = dict(dataset=dict(supervision='boxes', weak_label=None))
test_cfg = dict(dump_dir=f'{stage1_work_dir}/pseudo')
