# Ablation row "+ LAM" (BLPSeg Table I, row 2): partial CE on the output of
# the Local Aggregation Module (sigma 6), with the scribble head; no BLP loss,
# no self-training.
_base_ = ['./blpseg_efflite0_1xb8-2k_camvid-scribbles-176x176.py']
model = dict(
    decode_head=dict(
        loss_decode=dict(
            _delete_=True, type='PartialCrossEntropyLoss', loss_name='loss_ce')))
custom_hooks = []
