# Fully supervised CamVid with plain (unweighted) cross-entropy: the
# class-balanced reference with mmseg's CrossEntropyLoss instead, everything
# else (model, data, schedule) inherited from it.
_base_ = [
    './deeplabv3plus-mfb_efflite0_1xb8-2k_camvid-full-176x176.py',  # reference
]
model = dict(
    decode_head=dict(
        loss_decode=dict(
            _delete_=True,
            type='mmseg.CrossEntropyLoss',
            use_sigmoid=False,
            loss_weight=1.0)))
