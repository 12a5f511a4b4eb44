# SPML on CamVid points end to end (see the scribbles pipeline):
#   python tools/pseudo_label/run_pipeline.py \
#       configs/spml/spml-pipeline_efflite0_camvid-points.py
spml = 'configs/spml/'
stages = [
    dict(name='spml',
         config=spml + 'spml_efflite0_1xb8-2k_camvid-points-176x176.py',
         steps=('train', )),
    dict(name='pseudo',
         config=spml + 'spml-rw-crf_efflite0_1xb8-2k_camvid-points-176x176.py',
         steps=('test', )),
    dict(name='cls',
         config=spml + 'spml-cls_efflite0_1xb8-500iter_camvid-points-176x176.py',
         steps=('train', )),
]
