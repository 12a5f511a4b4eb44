# SPML step 3 on CamVid tags: the softmax classifier trained on the CRF
# pseudo labels of spml-rw-crf_efflite0_1xb8-2k_camvid-tags-176x176.py over
# the frozen step-1 embedding.
_base_ = ['./spml-cls_efflite0_1xb8-500iter_camvid-scribbles-176x176.py']
stage1_work_dir = 'work_dirs/spml_efflite0_1xb8-2k_camvid-tags-176x176'
load_from = f'{stage1_work_dir}/iter_2000.pth'
train_dataloader = dict(
    dataset=dict(seg_map_root=f'{stage1_work_dir}/pseudo/crf'))
