# BLPSeg (Wang, Zhang, Kan, Shan and Chen, IEEE TIP 2023) as in the paper and
# its public code (github.com/YudeWang/BLPSeg, MIT; only constants are taken
# from it): an ImageNet-pretrained ResNet-101 that is not dilated (output
# stride 32), mmseg's UperNet trunk (PPM on stride 32 + FPN on the stride
# 4/8/16/32 stages) of width 256 (MODEL_PPM_DIM) inside BLPSegHead, whose
# segmentation branch ends in the Local Aggregation Module (sigma 6 stride-4
# pixels, MODEL_LAM_SIGMA) and whose annotation-probability ("scribble")
# branch has K + 1 outputs, the unlabeled class weighing 0.02
# (LOSS_UNLABEL_CLASS_W). The segmentation loss is the BLP loss with gamma 2
# (LOSS_GAMMA), normalised per image by the detached weight sum as in the
# public code's lib/net/loss.py (the paper's text divides by the number of
# labelled pixels: normalize='num_labeled'). The BLPSeg segmentor passes the
# input image to the head for the LAM and, through RefinedEncoderDecoder,
# takes an optional test-time CRF in test_cfg.refiner.
#
# Backbone: mmseg's ResNetV1c (deep stem of three 3x3 convolutions, 32-32-64
# channels) with the open-mmlab://resnet101_v1c ImageNet weights, the
# standard mmseg ResNet-101. The public code uses the deep-stem ResNet-101 of
# PyTorch-Encoding (resnet101s: a 64-64-128 stem, its own ImageNet weights);
# the stages, strides and widths after the stem are the same.
# Heads without normalisation (1x1 conv + ReLU, twice, then a 1x1
# classifier), as the public code; the paper's text says BN
# (branch_norm_cfg=dict(type='SyncBN') gives that). Dropout 0 as the public
# code. The recipes set num_classes (21 VOC, 60 PASCAL-Context).
# SyncBN as the public code's SynchronizedBatchNorm2d over its 2 GPUs;
# mmengine turns it into plain BN in a non-distributed run.
norm_cfg = dict(type='SyncBN', requires_grad=True)
data_preprocessor = dict(
    type='WeakSegDataPreProcessor',
    # ImageNet mean / std of the public code (DATA_MEAN, DATA_STD) x 255, RGB
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,  # after normalisation: the mean colour, as the public crop
    seg_pad_val=255)
model = dict(
    type='BLPSeg',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='mmseg.ResNetV1c',
        depth=101,
        num_stages=4,
        out_indices=(0, 1, 2, 3),  # strides 4, 8, 16, 32
        dilations=(1, 1, 1, 1),  # not dilated: output stride 32
        strides=(1, 2, 2, 2),
        norm_cfg=norm_cfg,
        norm_eval=False,
        style='pytorch',
        contract_dilation=True,
        init_cfg=dict(
            type='Pretrained', checkpoint='open-mmlab://resnet101_v1c')),
    decode_head=dict(
        type='BLPSegHead',
        in_channels=[256, 512, 1024, 2048],
        in_index=[0, 1, 2, 3],
        pool_scales=(1, 2, 3, 6),
        channels=256,  # MODEL_PPM_DIM; also the LAM's embedding width
        dropout_ratio=0.0,
        num_classes=21,
        norm_cfg=norm_cfg,
        align_corners=False,
        num_branch_convs=2,
        branch_norm_cfg=None,
        scribble_head=True,
        unlabeled_class_weight=0.02,
        # exact dense LAM, evaluated 2048 columns of A at a time
        lam=dict(sigma=6.0, chunk_size=2048),
        self_training_thr=0.9,
        loss_decode=dict(type='BLPLoss', gamma=2.0, normalize='weight_sum')),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
