# SPML on CamVid with mixed supervision in one run: every training image
# carries one label type, drawn once with a seed (MixedSupervisionDataset):
# 10 % full masks, 30 % scribbles, 30 % points, 30 % tags. SPMLHead routes
# each pixel to the positive / negative sets and the weights of its image's
# type (the paper's Table 5 rows) in the same batch. The tag images carry
# their tags only (co-occurrence and low-level terms); their CAM pseudo
# labels (the paper's tag route) are not wired in yet. Same network,
# pipeline and schedule as the scribbles recipe.
_base_ = ['./spml_efflite0_1xb8-2k_camvid-scribbles-176x176.py']
fractions = dict(full=0.1, scribbles=0.3, points=0.3, tags=0.3)
mix_seed = 0
crop_size = (176, 176)
num_classes = 11
scribble_radius = 1
point_radius = 3
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWeakAnnotations', num_classes=num_classes,
         image_labels_from_sparse=True),
    dict(type='mmseg.RandomResize', scale=(240, 180), ratio_range=(0.75, 1.5),
         resize_type='WeakResize', keep_ratio=True),
    dict(type='WeakRandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='WeakRandomFlip', prob=0.5),
    dict(type='DilateSparseLabels', radius=scribble_radius),
    dict(type='DrawPointLabels', radius=point_radius),
    dict(type='mmseg.PhotoMetricDistortion'),
    dict(type='PackWeakSegInputs'),
]
camvid = dict(
    type='CamVidDataset',
    data_root='data/camvid',
    ann_file='splits/train.txt',
    superpixel_root='data/camvid_superpixels',
    pipeline=train_pipeline)
weak = dict(camvid, weak_root='data/camvid_weak')
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='MixedSupervisionDataset',
        datasets=dict(
            full=camvid,
            scribbles=dict(weak, weak_label='scribbles_r100'),
            points=dict(weak, weak_label='points_n1'),
            tags=weak),
        fractions=fractions,
        seed=mix_seed))
