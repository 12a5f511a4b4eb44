# IRN stage 4 on CamVid: the reference recipe (DeepLabV3+ on
# EfficientNet-Lite0 with its class-balanced CE, 2k iterations of 8 176x176
# crops; 48.32 val mIoU on the human masks) trained on the pseudo masks of
# the IRN stage (255 = uncertain, ignored); evaluated on the val masks. The
# class weights are the recipe's constants, computed once from the train
# masks' class frequencies.
#   python tools/train.py \
#       configs/irn/deeplabv3plus-mfb_efflite0_1xb8-2k_camvid-irn-176x176.py
_base_ = [
    '../fully_supervised/deeplabv3plus/'
    'deeplabv3plus-mfb_efflite0_1xb8-2k_camvid-full-176x176.py'
]
work_root = 'work_dirs/irn_camvid'
pseudo_masks = f'{work_root}/pseudo/rw'  # or .../crf: the CRF-refined masks
train_dataloader = dict(dataset=dict(seg_map_root=pseudo_masks))
work_dir = f'{work_root}/seg'
