# SPML (Ke et al., ICLR 2021) on the ImageNet-pretrained EfficientNet-Lite0
# of the CamVid reference recipe: SPMLHead's DeepLab-v2 embedding (summed
# dilated 3x3 convs to D = 64, no BN / ReLU, L2-normalised) and its softmax
# classifier on the detached embedding, inside mmseg's EncoderDecoder.
# The paper's DeepLab runs its ASPP at output stride 8 and upsamples x2 to
# stride 4; on 2 CPU cores a stride-8 EfficientNet-Lite0 costs 4.5x the
# stride-16 one (2.17 vs 0.69 s per batch of 8 176x176 crops), so the
# backbone runs at stride 16 (dilated last stage), the ASPP dilations are
# halved (3/6/9/12, DeepLab's rule for stride 16) and the embedding is
# upsampled x4 to the same stride 4.
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
    type='mmseg.EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='EfficientNetLite',
        arch='lite0',
        out_indices=(4, ),  # the last stage, stride 16 when dilated
        out_stride=16,
        norm_cfg=norm_cfg,
        init_cfg=dict(type='Pretrained', checkpoint='efficientnet-lite0')),
    decode_head=dict(
        type='SPMLHead',
        in_channels=320,
        in_index=0,
        embedding_dim=64,
        dilations=(3, 6, 9, 12),
        upsample_scale=4,
        kmeans_num_clusters=(6, 6),
        kmeans_iterations=10,
        memory_bank_size=2,
        num_classes=11,
        norm_cfg=norm_cfg,
        align_corners=False),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
