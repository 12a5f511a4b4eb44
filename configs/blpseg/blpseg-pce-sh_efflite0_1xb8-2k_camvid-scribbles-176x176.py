# Ablation row "+ scribble head": partial CE on the segmentation branch plus
# the annotation-probability branch (K + 1 outputs, unlabeled weight 0.02).
# As in the public code the branch reads the detached decoder output, so on
# its own it changes the segmentation branch only through the random state.
_base_ = ['./blpseg_efflite0_1xb8-2k_camvid-scribbles-176x176.py']
model = dict(
    decode_head=dict(
        lam=None,
        loss_decode=dict(
            _delete_=True, type='PartialCrossEntropyLoss', loss_name='loss_ce')))
custom_hooks = []
