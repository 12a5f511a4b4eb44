# IRN stage 4: the MSRC-21 full-supervision recipe (DeepLabV3+ on
# EfficientNet-Lite0, 2k iterations of 8 176x176 crops, plain CE) trained on
# the pseudo masks of the IRN stage instead of the human masks (255 =
# uncertain, ignored); evaluated on the val masks.
#   python tools/train.py \
#       configs/irn/deeplabv3plus_efflite0_1xb8-2k_msrc21-irn-176x176.py
_base_ = [
    '../fully_supervised/deeplabv3plus/'
    'deeplabv3plus_efflite0_1xb8-2k_msrc21-full-176x176.py'
]
work_root = 'work_dirs/irn_msrc21'
pseudo_masks = f'{work_root}/pseudo/rw'  # or .../crf: the CRF-refined masks
train_dataloader = dict(dataset=dict(seg_map_root=pseudo_masks))
work_dir = f'{work_root}/seg'
