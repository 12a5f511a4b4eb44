# SPML Algorithm 2, classifier f1 on MSRC-21 tags: the softmax classifier
# trained 500 iterations over the frozen step-1 embedding on the retrieval
# + CRF pseudo labels of spml-nn-crf_efflite0_1xb8-2k_msrc21-tags-176x176.py
# (instead of the CAM-walk labels the Algorithm 1 classifier
# spml-cls_efflite0_1xb8-500iter_msrc21-tags-176x176.py takes); validated on
# MSRC-21 val.
_base_ = ['./spml-cls_efflite0_1xb8-500iter_msrc21-tags-176x176.py']
stage1_work_dir = 'work_dirs/spml_efflite0_1xb8-2k_msrc21-tags-176x176'
train_dataloader = dict(dataset=dict(seg_map_root=f'{stage1_work_dir}/pseudo_nn/crf'))
