# CPS (Chen et al., CVPR 2021; github.com/charlesCXK/TorchSemiSeg, MIT): two
# networks with different random decode heads supervise each other with their
# argmax on CutMix'ed unlabelled crops (3 boxes covering 25-50 % of each
# crop, as the public code; no photometric strong view), trade-off weight
# 1.5. DeepLabV3+ ResNet-101 (output stride 16, as UniMatch) on PASCAL
# VOC 2012 (classic protocol, 92 labelled images of VOC train, the rest of
# trainaug unlabelled). Schedule: 80 epochs of the unlabelled set at 4x2 crops
# per step, rounded to thousands of iterations; SGD lr 0.001 (decode head x10),
# momentum 0.9, weight decay 1e-4, poly 0.9.
_base_ = [
    '../../_base_/models/deeplabv3plus_r101-d16.py',  # UniMatch's model
    '../../_base_/datasets/voc12_aug_semi.py',  # labelled + unlabelled
    '../../_base_/default_runtime.py',  # scope, hooks, visualizer
    '../../_base_/schedules/schedule_semi_r101.py',  # UniMatch's SGD poly
]
max_iters = 105000
val_interval = max_iters // 10  # validation and checkpoints
crop_size = (321, 321)
num_classes = 21
split = '92'
cps_weight = 1.5  # lambda of the paper (the public CutMix config: 1)
segmentor = _base_.model
segmentor.data_preprocessor.size = crop_size
segmentor.decode_head.num_classes = num_classes
model = dict(
    _delete_=True,
    type='CPS',
    segmentor=segmentor,
    data_preprocessor=dict(type='mmdet.MultiBranchDataPreprocessor',
                           data_preprocessor=segmentor.data_preprocessor),
    unsup_loss=dict(type='PseudoLabelCrossEntropyLoss', threshold=0.0),
    semi_train_cfg=dict(mix='cutmix_seg', mix_boxes=3, mix_area=(0.25, 0.5),
                        unsup_weight=cps_weight),
    semi_test_cfg=dict(predict_on='student'))
labeled_dataset = _base_.labeled_dataset
labeled_dataset.ann_file = f'splits/{split}/labeled.txt'
unlabeled_dataset = _base_.unlabeled_dataset
unlabeled_dataset.ann_file = f'splits/{split}/unlabeled.txt'
# the mixed images are the weak view itself (no photometric augmentation)
unlabeled_dataset.pipeline[-1].unsup_student = dict(type='mmseg.PackSegInputs')
train_dataloader = dict(
    dataset=dict(datasets=[labeled_dataset, unlabeled_dataset]))
param_scheduler = [
    dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=max_iters,
         by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
val_cfg = dict(type='mmdet.TeacherStudentValLoop')  # both networks
default_hooks = dict(
    checkpoint=dict(interval=val_interval, save_best='student/mIoU'))
