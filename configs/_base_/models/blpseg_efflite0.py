# BLPSeg (Wang et al., IEEE TIP 2023) on the ImageNet-pretrained
# EfficientNet-Lite0 of the CamVid reference recipe: mmseg's UperNet trunk
# (PPM + FPN on the stride 4/8/16/32 stages) inside BLPSegHead, whose
# segmentation branch ends in the Local Aggregation Module (sigma 6 stride-4
# pixels) and whose annotation-probability branch has K + 1 outputs (the
# unlabeled class weighs 0.02); the segmentation loss is the BLP loss
# (gamma 2, normalised by the detached weight sum as in the public code).
# The BLPSeg segmentor passes the input image to the head for the LAM.
# Width 64 instead of the paper's 256 (also the LAM's embedding width): the
# UperNet trunk's 3x3 convolutions at stride 4 cost 16x less, which keeps a
# CamVid step on 2 CPU cores near the reference DeepLabV3+ recipe's (the
# fpn_bottleneck alone would cost ~4x the backbone at width 128). Dropout 0
# as in the public code.
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(
    type='WeakSegDataPreProcessor',
    # EfficientNet-Lite's ImageNet weights expect RGB scaled as (x - 127) / 128
    mean=[127.0, 127.0, 127.0],
    std=[128.0, 128.0, 128.0],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)
model = dict(
    type='BLPSeg',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='EfficientNetLite',
        arch='lite0',
        out_indices=(1, 2, 3, 4),  # strides 4, 8, 16, 32
        norm_cfg=norm_cfg,
        init_cfg=dict(type='Pretrained', checkpoint='efficientnet-lite0')),
    decode_head=dict(
        type='BLPSegHead',
        in_channels=[24, 40, 112, 320],
        in_index=[0, 1, 2, 3],
        pool_scales=(1, 2, 3, 6),
        channels=64,
        dropout_ratio=0.0,
        num_classes=11,
        norm_cfg=norm_cfg,
        align_corners=False,
        num_branch_convs=2,
        scribble_head=True,
        unlabeled_class_weight=0.02,
        lam=dict(sigma=6.0, chunk_size=2048),  # one block for 176x176 crops
        self_training_thr=0.9,
        loss_decode=dict(type='BLPLoss', gamma=2.0, normalize='weight_sum')),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
