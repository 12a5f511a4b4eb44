# IRN's recipe on MS-COCO 2014, end to end (a GPU machine):
#   python tools/pseudo_label/run_pipeline.py \
#       configs/irn/irn-pipeline_r50_coco2014-tags.py --nproc 4
irn = 'configs/irn/'
stages = [
    dict(name='cam',
         config=irn + 'cam_r50_1xb16-25650iter_coco2014-tags-512x512.py',
         steps=('train', 'test')),
    dict(name='irn',
         config=irn + 'irn_r50_1xb32-7695iter_coco2014-tags-512x512.py',
         steps=('train', 'test')),
    dict(name='seg',
         config=irn + 'deeplabv3plus_r101-d8_4xb4-40k_coco2014-irn-512x512.py',
         steps=('train', )),
]
