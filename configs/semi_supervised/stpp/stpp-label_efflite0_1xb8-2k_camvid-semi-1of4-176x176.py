# ST++ (Yang et al., CVPR 2022) labelling stage on CamVid 1/4: the
# predictions of one checkpoint of the reference recipe (DeepLabV3+
# EfficientNet-Lite0) on the unlabelled train images of the split, written
# by DumpTestLoop as <dump_dir>/pred/<id>.png (atomic, resumable). The
# pipeline (stpp-pipeline_efflite0_camvid-semi-1of4.py) runs it on the
# supervised-only run's checkpoints and on the first retraining's, giving
# each run its checkpoint and dump_dir. The IoU it reports compares the
# pseudo labels with the human masks of those images (a diagnostic: no
# training step reads them).
_base_ = [
    # the CamVid reference (its model, test pipeline and schedule)
    '../../fully_supervised/deeplabv3plus/'
    'deeplabv3plus-mfb_efflite0_1xb8-2k_camvid-full-176x176.py',
]
split = '1_4'
stpp_root = 'work_dirs/stpp_efflite0_camvid-semi-1of4'
test_dataloader = dict(
    dataset=dict(ann_file=f'../camvid_semi/{split}/unlabeled.txt'))
test_cfg = dict(
    _delete_=True,
    type='DumpTestLoop',
    dump_dir=f'{stpp_root}/label_2000',
    dump_type='labels',
    label_fields=dict(pred_sem_seg='pred'))
