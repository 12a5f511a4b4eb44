# SPML Algorithm 2, retrieval step, on MSRC-21 tags: the 277 train images
# labelled by nearest-neighbour retrieval (public pseudo_inference_crf_msc.py)
# over a memory of the same images' segment prototypes (public
# prototype_msc.py: 12x12 k-means clusters at scales 0.5 / 1 / 1.5, each
# with the majority label of the CAM-walk + CRF pseudo labels of
# spml-rw-crf_efflite0_1xb8-2k_msrc21-tags-176x176.py); 20 neighbours vote,
# scales 0.5 / 1 / 1.5 / 2 + flip, each tag class divided by its maximum
# (floored at 0.15), then the 'spml' dense CRF; k-means runs on the head's
# stride-4 map (cluster_at, a CPU setting). Writes
#   <stage1_work_dir>/pseudo_nn/nn/<image>.png   (retrieval only)
#   <stage1_work_dir>/pseudo_nn/crf/<image>.png  (+ CRF: the classifier's labels)
# and scores both against the masks:
#   python tools/test.py \
#       configs/spml/spml-nn-crf_efflite0_1xb8-2k_msrc21-tags-176x176.py \
#       work_dirs/spml_efflite0_1xb8-2k_msrc21-tags-176x176/iter_2000.pth
# The second round (spml-nn2-crf_*) inherits this file.
_base_ = [
    '../_base_/models/spml_efflite0.py',  # SPML head on EfficientNet-Lite0
    '../_base_/datasets/msrc21.py',  # MSRC-21 at the original size
    '../_base_/default_runtime.py',  # scope, hooks, visualizer
    '../_base_/schedules/schedule_2k.py',  # max_iters 2k: iter_2000.pth
]
supervision = 'tags'
stage1_work_dir = f'work_dirs/spml_efflite0_1xb8-2k_msrc21-{supervision}-176x176'
work_dir = stage1_work_dir
memory_label_dir = f'{stage1_work_dir}/pseudo/crf'  # labels the memory carries
num_classes = 21
image_scale = (320, 320)
# k-means on the head's stride-4 map instead of its upsampling to the image
# (16x fewer pixels; 'input' is the public setting, too slow on 2 CPU cores)
cluster_at = 'embedding'
model = dict(
    type='SPML',
    decode_head=dict(num_classes=num_classes),
    test_cfg=dict(
        mode='whole',
        retrieval=dict(k=20, num_clusters=(12, 12), iterations=10,
                       scales=(0.5, 1.0, 1.5, 2.0), flip=True, min_max=0.15,
                       cluster_at=cluster_at),
        refiner=dict(type='DenseCRFRefiner', preset='spml')))
nn_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmseg.Resize', scale=image_scale, keep_ratio=True),
    # the mask (scoring only) and the image's tags (the class normalisation)
    dict(type='LoadWeakAnnotations', num_classes=num_classes),
    dict(type='PackWeakSegInputs'),
]
memory_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWeakAnnotations', num_classes=num_classes),
    dict(type='WeakResize', scale=image_scale, keep_ratio=True),
    dict(type='PackWeakSegInputs'),
]
msrc21_train = dict(
    type='MSRC21Dataset',
    data_root='data/msrc21',
    ann_file='splits/train.txt')
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(msrc21_train, _delete_=True, supervision=supervision,
                 weak_root='data/msrc21_weak', keep_seg_map_path=True,
                 pipeline=nn_pipeline))
custom_hooks = [
    dict(type='MemoryBankHook',
         scales=(0.5, 1.0, 1.5),
         num_clusters=(12, 12),
         cluster_at=cluster_at,
         cache_file=f'{stage1_work_dir}/pseudo_nn/memory_bank.pth',
         dataloader=dict(
             batch_size=1,
             num_workers=2,
             sampler=dict(type='DefaultSampler', shuffle=False),
             dataset=dict(msrc21_train, supervision='full',
                          seg_map_root=memory_label_dir,
                          pipeline=memory_pipeline))),
]
test_evaluator = [
    dict(type='PseudoLabelMetric', pred_field='nn_sem_seg', prefix='nn'),
    dict(type='PseudoLabelMetric', prefix='crf'),
]
test_cfg = dict(
    type='DumpTestLoop',
    dump_dir=f'{stage1_work_dir}/pseudo_nn',
    dump_type='labels',
    label_fields=dict(nn_sem_seg='nn', pred_sem_seg='crf'))
