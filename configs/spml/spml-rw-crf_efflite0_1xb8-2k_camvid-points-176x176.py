# Algorithm 1's pseudo labels for the CamVid points recipe's training
# images (see the scribbles file; the same model and walk, written out here
# because configs inherit at most two levels): the walk's class mask is the
# classes of the image's points.
#   python tools/test.py \
#       configs/spml/spml-rw-crf_efflite0_1xb8-2k_camvid-points-176x176.py \
#       work_dirs/spml_efflite0_1xb8-2k_camvid-points-176x176/iter_2000.pth
_base_ = ['./spml_efflite0_1xb8-2k_camvid-scribbles-176x176.py']
stage1_work_dir = 'work_dirs/spml_efflite0_1xb8-2k_camvid-points-176x176'
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
    # the dense mask (for scoring only) and the points' classes (the walk's
    # class mask)
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
        supervision='points',
        weak_root='data/camvid_weak',
        weak_label='points_n1',
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
