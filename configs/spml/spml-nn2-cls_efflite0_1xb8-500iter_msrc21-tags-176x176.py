# SPML Algorithm 2, final classifier f2 on MSRC-21 tags: as the Algorithm 1
# classifier (500 iterations over the frozen step-1 embedding) on the second
# retrieval's CRF labels (spml-nn2-crf_efflite0_1xb8-2k_msrc21-tags-176x176.py);
# validated on MSRC-21 val: the tags pipeline's final figure.
_base_ = ['./spml-cls_efflite0_1xb8-500iter_msrc21-tags-176x176.py']
stage1_work_dir = 'work_dirs/spml_efflite0_1xb8-2k_msrc21-tags-176x176'
train_dataloader = dict(
    dataset=dict(seg_map_root=f'{stage1_work_dir}/pseudo_nn2/crf'))
