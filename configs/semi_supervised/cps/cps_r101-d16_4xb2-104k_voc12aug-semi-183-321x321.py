# As cps_r101-d16_4xb2-105k_voc12aug-semi-92-321x321, with 183 labelled images
# and 104k iterations (the schedule follows the unlabelled set's size).
_base_ = [
    # the first split
    './cps_r101-d16_4xb2-105k_voc12aug-semi-92-321x321.py',
]
max_iters = 104000
val_interval = max_iters // 10
split = '183'
labeled_dataset = _base_.labeled_dataset
labeled_dataset.ann_file = f'splits/{split}/labeled.txt'
unlabeled_dataset = _base_.unlabeled_dataset
unlabeled_dataset.ann_file = f'splits/{split}/unlabeled.txt'
train_dataloader = dict(
    dataset=dict(datasets=[labeled_dataset, unlabeled_dataset]))
param_scheduler = [
    dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=max_iters,
         by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=val_interval)
default_hooks = dict(checkpoint=dict(interval=val_interval))
