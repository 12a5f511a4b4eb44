# SPML on CamVid scribbles end to end, one command:
#   python tools/pseudo_label/run_pipeline.py \
#       configs/spml/spml-pipeline_efflite0_camvid-scribbles.py
# 1. the embedding and its classifier (2k iterations),
# 2. Algorithm 1's pseudo labels of the training images (walk + CRF),
# 3. the classifier on the frozen embedding and the pseudo labels (500
#    iterations; its validation is the final result).
spml = 'configs/spml/'
stages = [
    dict(name='spml',
         config=spml + 'spml_efflite0_1xb8-2k_camvid-scribbles-176x176.py',
         steps=('train', )),
    dict(name='pseudo',
         config=spml + 'spml-rw-crf_efflite0_1xb8-2k_camvid-scribbles-176x176.py',
         steps=('test', )),
    dict(name='cls',
         config=spml + 'spml-cls_efflite0_1xb8-500iter_camvid-scribbles-176x176.py',
         steps=('train', )),
]
