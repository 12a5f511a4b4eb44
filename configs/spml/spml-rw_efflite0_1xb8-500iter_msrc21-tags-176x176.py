# SPML Algorithm 2, second round on MSRC-21 tags: the classifier f1
# (spml-nn-cls_efflite0_1xb8-500iter_msrc21-tags-176x176.py) labels the 277
# train images through Algorithm 1's walk (its probabilities, image + flip,
# divided by each class's maximum, zeroed outside the tags, 64 steps over the
# embedding affinities) without CRF, as the public pseudo_softmax.py; the
# labels become the memory of the second retrieval
# (spml-nn2-crf_efflite0_1xb8-2k_msrc21-tags-176x176.py). Writes
#   <f1_work_dir>/pseudo/rw/<image>.png
#   python tools/test.py \
#       configs/spml/spml-rw_efflite0_1xb8-500iter_msrc21-tags-176x176.py \
#       work_dirs/spml-nn-cls_efflite0_1xb8-500iter_msrc21-tags-176x176/iter_500.pth
_base_ = ['./spml-rw-crf_efflite0_1xb8-2k_camvid-scribbles-176x176.py']
f1_work_dir = 'work_dirs/spml-nn-cls_efflite0_1xb8-500iter_msrc21-tags-176x176'
work_dir = f1_work_dir  # the pipeline finds iter_500.pth here
max_iters = 500
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=max_iters,
         by_epoch=False)
]
num_classes = 21
model = dict(
    decode_head=dict(num_classes=num_classes),
    test_cfg=dict(
        _delete_=True,
        mode='whole',
        random_walk=dict(mode='local', radius=4.9, beta=20, log_t=6,
                         scale=5.0, stride=8, flip=True)))
pseudo_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmseg.Resize', scale=(320, 320), keep_ratio=True),
    dict(type='LoadWeakAnnotations', num_classes=num_classes),
    dict(type='PackWeakSegInputs'),
]
test_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='MSRC21Dataset',
        data_root='data/msrc21',
        ann_file='splits/train.txt',
        supervision='tags',
        weak_root='data/msrc21_weak',
        keep_seg_map_path=True,
        pipeline=pseudo_pipeline))
test_evaluator = [dict(type='PseudoLabelMetric', prefix='rw')]
test_cfg = dict(dump_dir=f'{f1_work_dir}/pseudo',
                label_fields=dict(pred_sem_seg='rw'))
