# SPML Algorithm 2, second retrieval on MSRC-21 tags: as
# spml-nn-crf_efflite0_1xb8-2k_msrc21-tags-176x176.py (stage-1 embedding,
# 20 neighbours, scales 0.5-2 + flip, tag normalisation, CRF) with the memory
# labelled by the classifier f1's walk
# (spml-rw_efflite0_1xb8-500iter_msrc21-tags-176x176.py); its CRF labels
# train the final classifier f2
# (spml-nn2-cls_efflite0_1xb8-500iter_msrc21-tags-176x176.py). Writes
# <stage1_work_dir>/pseudo_nn2/{nn,crf}/<image>.png.
_base_ = ['./spml-nn-crf_efflite0_1xb8-2k_msrc21-tags-176x176.py']
stage1_work_dir = 'work_dirs/spml_efflite0_1xb8-2k_msrc21-tags-176x176'
f1_work_dir = 'work_dirs/spml-nn-cls_efflite0_1xb8-500iter_msrc21-tags-176x176'
custom_hooks = [
    dict(type='MemoryBankHook',
         scales=(0.5, 1.0, 1.5),
         num_clusters=(12, 12),
         cluster_at={{_base_.cluster_at}},
         cache_file=f'{stage1_work_dir}/pseudo_nn2/memory_bank.pth',
         dataloader=dict(
             batch_size=1,
             num_workers=2,
             sampler=dict(type='DefaultSampler', shuffle=False),
             dataset=dict(type='MSRC21Dataset', data_root='data/msrc21',
                          ann_file='splits/train.txt', supervision='full',
                          seg_map_root=f'{f1_work_dir}/pseudo/rw',
                          pipeline={{_base_.memory_pipeline}}))),
]
test_cfg = dict(dump_dir=f'{stage1_work_dir}/pseudo_nn2')
