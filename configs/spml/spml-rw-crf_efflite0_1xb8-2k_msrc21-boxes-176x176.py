# SPML step 2 on MSRC-21 boxes (the walk masked to the box classes).
_base_ = ['./spml-rw-crf_efflite0_1xb8-2k_msrc21-tags-176x176.py']
stage1_work_dir = 'work_dirs/spml_efflite0_1xb8-2k_msrc21-boxes-176x176'
work_dir = stage1_work_dir
test_dataloader = dict(dataset=dict(supervision='boxes'))
test_cfg = dict(dump_dir=f'{stage1_work_dir}/pseudo')
