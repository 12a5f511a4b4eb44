# Ablation row "partial CE" (BLPSeg Table I's baseline): the same UperNet
# decoder and segmentation branch trained with partial cross-entropy on the
# labelled pixels only, without the scribble head, the LAM, the BLP loss or
# self-training. Unweighted (see the -mfb row for class weights).
_base_ = ['./blpseg_efflite0_1xb8-2k_camvid-scribbles-176x176.py']
model = dict(
    decode_head=dict(
        scribble_head=False,
        lam=None,
        loss_decode=dict(
            _delete_=True, type='PartialCrossEntropyLoss', loss_name='loss_ce')))
custom_hooks = []
