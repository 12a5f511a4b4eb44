# SPML (Ke, Hwang and Yu, ICLR 2021) as its public code's VOC recipe
# (github.com/twke18/SPML, MIT; constants only): a DeepLab-v2 ResNet-101
# with a deep stem (three 3x3 convs, 64-64-128) at output stride 8
# (strides 1/2/1/1, dilations 1/1/2/4), the stem and res2 frozen (not in the
# public optimizer), and SPMLHead: summed 3x3 ASPP branches of dilation
# 6/12/18/24 to a 64-dim embedding, x2 upsampled to stride 4, L2-normalised,
# with its softmax classifier on the detached embedding. Backbone weights:
# mmseg's open-mmlab://resnet101_v1c (32-32-64 stem) do not fit a 128-wide
# stem, so stem_channels=128 starts the stem from scratch and loads the
# rest; the public code loads EMANet's resnet-101-cuhk (ImageNet).
norm_cfg = dict(type='SyncBN', requires_grad=True)
data_preprocessor = dict(
    type='WeakSegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)
model = dict(
    type='mmseg.EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='mmseg.ResNetV1c',
        depth=101,
        stem_channels=128,
        num_stages=4,
        out_indices=(3, ),
        strides=(1, 2, 1, 1),
        dilations=(1, 1, 2, 4),
        frozen_stages=1,  # stem and res2, as the public optimizer
        norm_cfg=norm_cfg,
        norm_eval=False,
        style='pytorch',
        contract_dilation=True,
        init_cfg=dict(
            type='Pretrained', checkpoint='open-mmlab://resnet101_v1c')),
    decode_head=dict(
        type='SPMLHead',
        in_channels=2048,
        in_index=0,
        embedding_dim=64,
        dilations=(6, 12, 18, 24),
        upsample_scale=2,
        kmeans_num_clusters=(6, 6),
        kmeans_iterations=10,
        memory_bank_size=2,
        num_classes=21,
        sem_occ_ignore_classes=(0, ),  # background is not a co-occurring tag
        norm_cfg=norm_cfg,
        align_corners=False),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
