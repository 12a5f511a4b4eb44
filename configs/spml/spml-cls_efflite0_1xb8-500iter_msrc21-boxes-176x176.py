# SPML step 3 on MSRC-21 boxes: the classifier on the CRF pseudo labels of
# spml-rw-crf_efflite0_1xb8-2k_msrc21-boxes-176x176.py.
_base_ = ['./spml-cls_efflite0_1xb8-500iter_msrc21-tags-176x176.py']
stage1_work_dir = 'work_dirs/spml_efflite0_1xb8-2k_msrc21-boxes-176x176'
load_from = f'{stage1_work_dir}/iter_2000.pth'
train_dataloader = dict(
    dataset=dict(seg_map_root=f'{stage1_work_dir}/pseudo/crf'))
