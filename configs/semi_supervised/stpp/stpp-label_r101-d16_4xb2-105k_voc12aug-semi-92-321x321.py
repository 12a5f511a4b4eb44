# ST++ (Yang et al., CVPR 2022; github.com/LiheYoung/ST-PlusPlus, MIT)
# labelling stage on PASCAL VOC 2012 (92 labelled images): the predictions of
# one checkpoint of the supervised-only DeepLabV3+ ResNet-101 recipe on the
# unlabelled train images (the rest of trainaug), written by DumpTestLoop as
# <dump_dir>/pred/<id>.png (atomic, resumable). The pipelines
# (stpp-pipeline_r101-d16_voc12aug-semi-*.py) give each run its checkpoint,
# split file and dump_dir; the IoU it reports compares the pseudo labels with
# the SBD-augmented masks of those images (a diagnostic).
_base_ = [
    # model, test pipeline, dataset type and folders
    '../supervised/supervised_r101-d16_4xb2-105k_voc12aug-semi-92-321x321.py',
]
split = '92'
stpp_root = 'work_dirs/stpp_r101-d16_voc12aug-semi-92'
test_dataloader = dict(
    dataset=dict(ann_file=f'splits/{split}/unlabeled.txt',
                 data_prefix=_base_.train_prefix))
test_cfg = dict(
    _delete_=True,
    type='DumpTestLoop',
    dump_dir=f'{stpp_root}/label_105000',
    dump_type='labels',
    label_fields=dict(pred_sem_seg='pred'))
