# Baseline "regularised loss" (Tang et al., "On Regularized Losses for
# Weakly-supervised CNN Segmentation", ECCV 2018): partial cross-entropy on
# the scribbles plus the dense CRF loss -sum S^T W S on the softmax S, with
# the bilateral kernel W computed by the compiled permutohedral filter
# (mmlabeleff.ops.bilateral_filter). Weight 2e-9, sigma_rgb 15, sigma_xy 100
# and the 0.5 downscale as in their public code (train_withdensecrfloss.sh).
# Same decoder as the BLPSeg rows, without the scribble head and the LAM.
_base_ = ['./blpseg_efflite0_1xb8-2k_camvid-scribbles-176x176.py']
img_mean = [127.0, 127.0, 127.0]  # the data preprocessor's (RGB) normalisation
img_std = [128.0, 128.0, 128.0]
model = dict(
    decode_head=dict(
        scribble_head=False,
        lam=None,
        loss_decode=dict(
            _delete_=True, type='PartialCrossEntropyLoss', loss_name='loss_ce'),
        loss_regularizer=dict(
            type='DenseCRFLoss', mean=img_mean, std=img_std, loss_weight=2e-9,
            sigma_rgb=15.0, sigma_xy=100.0, scale_factor=0.5)))
custom_hooks = []
