# ST++ (Yang et al., CVPR 2022; github.com/LiheYoung/ST-PlusPlus, MIT)
# labelling stage on Cityscapes (1/16 of the train images labelled): the predictions of
# one checkpoint of the supervised-only DeepLabV3+ ResNet-101 recipe on the
# unlabelled train images (the other 15/16), written by DumpTestLoop as
# <dump_dir>/pred/<id>.png (atomic, resumable). The pipelines
# (stpp-pipeline_r101-d16_cityscapes-semi-*.py) give each run its checkpoint,
# split file and dump_dir; the IoU it reports compares the pseudo labels with
# the fine masks of those images (a diagnostic).
_base_ = [
    # model, test pipeline, dataset type and folders
    '../supervised/supervised_r101-d16_8xb1-84k_cityscapes-semi-1of16-769x769.py',
]
split = '1_16'
stpp_root = 'work_dirs/stpp_r101-d16_cityscapes-semi-1of16'
test_dataloader = dict(
    dataset=dict(ann_file=f'splits/{split}/unlabeled.txt',
                 data_prefix=_base_.train_prefix))
test_cfg = dict(
    _delete_=True,
    type='DumpTestLoop',
    dump_dir=f'{stpp_root}/label_84000',
    dump_type='labels',
    label_fields=dict(pred_sem_seg='pred'))
