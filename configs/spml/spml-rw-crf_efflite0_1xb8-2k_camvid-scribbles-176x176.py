# SPML's pseudo labels (the paper's Algorithm 1, steps 2-3) for the CamVid
# scribbles recipe's training images: its trained classifier, walked over
# embedding affinities (exp(5 (cos - 1)) ** 20, 2 ** 6 steps, at 1/8 of the
# input, image + flip, masked to the classes of the image's scribbles), then
# the 'spml' dense CRF (10 iterations; Gaussian 1 / 3; bilateral 67 / 3 /
# 4). Run on the recipe's final checkpoint, it writes
#   <pseudo_dir>/rw/<image>.png   (walk only)
#   <pseudo_dir>/crf/<image>.png  (walk + CRF: the next stage's labels)
# and scores both against the training masks (PseudoLabelMetric):
#   python tools/test.py \
#       configs/spml/spml-rw-crf_efflite0_1xb8-2k_camvid-scribbles-176x176.py \
#       work_dirs/spml_efflite0_1xb8-2k_camvid-scribbles-176x176/iter_2000.pth
# The walk is local (random_walk, neighbours closer than 5 at 1/8) instead of
# the public code's all-pairs matrix (random_walk.mode='dense' selects it);
# see configs/spml/README.md.
_base_ = [
    '../_base_/models/spml_efflite0.py',  # SPML head on EfficientNet-Lite0
    '../_base_/datasets/camvid.py',  # CamVid 11 classes, val / test sets
    '../_base_/default_runtime.py',  # scope, hooks, visualizer
    '../_base_/schedules/schedule_2k.py',  # max_iters 2k: iter_2000.pth
]
stage1_work_dir = 'work_dirs/spml_efflite0_1xb8-2k_camvid-scribbles-176x176'
pseudo_dir = f'{stage1_work_dir}/pseudo'
work_dir = stage1_work_dir  # the pipeline finds iter_2000.pth here
num_classes = 11
model = dict(
    type='SPML',
    test_cfg=dict(
        mode='whole',
        random_walk=dict(mode='local', radius=4.9, beta=20, log_t=6,
                         scale=5.0, stride=8, flip=True),
        refiner=dict(type='DenseCRFRefiner', preset='spml')))
pseudo_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmseg.Resize', scale=(240, 180), keep_ratio=True),
    # the dense mask (for scoring only) and the scribbles' classes (the
    # walk's class mask)
    dict(type='LoadWeakAnnotations', num_classes=num_classes,
         image_labels_from_sparse=True),
    dict(type='PackWeakSegInputs'),
]
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='CamVidDataset',
        data_root='data/camvid',
        ann_file='splits/train.txt',
        supervision='scribbles',
        weak_root='data/camvid_weak',
        weak_label='scribbles_r100',
        keep_seg_map_path=True,
        pipeline=pseudo_pipeline))
test_evaluator = [
    dict(type='PseudoLabelMetric', pred_field='rw_sem_seg', prefix='rw'),
    dict(type='PseudoLabelMetric', prefix='crf'),
]
test_cfg = dict(
    type='DumpTestLoop',
    dump_dir=pseudo_dir,
    dump_type='labels',
    label_fields=dict(rw_sem_seg='rw', pred_sem_seg='crf'))
