# SPML on CamVid with mixed supervision in one run: every training image
# carries one label type, drawn once with a seed (MixedSupervisionDataset):
# 10 % full masks, 30 % scribbles, 30 % points, 30 % tags. SPMLHead routes
# each pixel to the positive / negative sets and the weights of its image's
# type (the paper's Table 5 rows) in the same batch. The tag images train
# on their CAM pseudo labels (LoadCAMPseudoLabels, the paper's tag route;
# needs the CAM dump of configs/irn/cam_efflite0_1xb8-600iter_camvid-tags-
# 256x256.py) and their tags. Same network, pipeline and schedule as the
# scribbles recipe.
_base_ = ['./spml_efflite0_1xb8-2k_camvid-scribbles-176x176.py']
fractions = dict(full=0.1, scribbles=0.3, points=0.3, tags=0.3)
mix_seed = 0
crop_size = (176, 176)
num_classes = 11
scribble_radius = 1
point_radius = 3
cam_dump_dir = 'work_dirs/irn_camvid/cam_dump'  # the CAM stage's dump
cam_label_dir = 'work_dirs/spml_camvid_cam_labels'
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWeakAnnotations', num_classes=num_classes,
         image_labels_from_sparse=True),
    dict(type='LoadCAMPseudoLabels', cam_dump_dir=cam_dump_dir,
         label_dir=cam_label_dir, num_classes=num_classes),  # the tag images
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
