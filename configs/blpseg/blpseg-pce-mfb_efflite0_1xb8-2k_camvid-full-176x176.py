# Class-balanced full supervision with the architecture of the BLPSeg rows:
# the full-mask row blpseg-pce_..._camvid-full (UperNet width 64, plain
# segmentation branch, no scribble head, no LAM) with the median-frequency
# class weights of the full training masks, the weights of the CamVid
# reference recipe (deeplabv3plus-mfb_..._camvid-full, 48.32 val mIoU). A
# row's weights come from the labels it trains on, so this is the
# class-balanced denominator of the "% of full" column of README.md.
_base_ = ['./blpseg_efflite0_1xb8-2k_camvid-scribbles-176x176.py']
# python tools/analysis_tools/class_weights.py data/camvid/trainannot \
#     --num-classes 11 --void-id 11 --denominator image
full_mask_class_weight = [
    0.2793, 0.2017, 4.7865, 0.149, 1.0, 0.4217, 3.8467, 1.9736, 0.7889, 6.3747,
    8.8587
]
train_dataloader = dict(dataset=dict(supervision='full', weak_label=None))
model = dict(
    decode_head=dict(
        scribble_head=False,
        lam=None,
        loss_decode=dict(
            _delete_=True,
            type='PartialCrossEntropyLoss',
            class_weight=full_mask_class_weight,
            loss_name='loss_ce')))
custom_hooks = []
