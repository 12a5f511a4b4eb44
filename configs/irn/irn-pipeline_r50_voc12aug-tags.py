# IRN's recipe on PASCAL VOC 2012 + SBD, end to end (a GPU machine):
#   python tools/pseudo_label/run_pipeline.py \
#       configs/irn/irn-pipeline_r50_voc12aug-tags.py --nproc 4
irn = 'configs/irn/'
stages = [
    dict(name='cam',
         config=irn + 'cam_r50_1xb16-3305iter_voc12aug-tags-512x512.py',
         steps=('train', 'test')),
    dict(name='irn',
         config=irn + 'irn_r50_1xb32-990iter_voc12aug-tags-512x512.py',
         steps=('train', 'test')),
    dict(name='seg',
         config=irn + 'deeplabv3plus_r101-d8_4xb4-20k_voc12aug-irn-512x512.py',
         steps=('train', )),
]
