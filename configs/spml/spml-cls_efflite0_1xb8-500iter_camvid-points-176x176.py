# The classifier stage of the CamVid points chain (see the scribbles file):
# the classifier on the points model's frozen embedding and its walk + CRF
# pseudo labels.
_base_ = ['./spml-cls_efflite0_1xb8-500iter_camvid-scribbles-176x176.py']
stage1_work_dir = 'work_dirs/spml_efflite0_1xb8-2k_camvid-points-176x176'
load_from = f'{stage1_work_dir}/iter_2000.pth'
train_dataloader = dict(
    dataset=dict(seg_map_root=f'{stage1_work_dir}/pseudo/crf'))
