# SPML on MSRC-21 tags, every step in one command:
#   python tools/pseudo_label/run_pipeline.py \
#       configs/spml/spml-pipeline_efflite0_msrc21-tags.py
# CAM classifier and its dump (the image-tag pipeline's CAM stage), SPML on
# the CAM pseudo labels (step 1), walk + CRF pseudo labels (step 2),
# classifier on them (step 3). Re-running resumes at the first missing
# output.
spml = 'configs/spml/'
stages = [
    dict(name='cam',
         config='configs/irn/cam_efflite0_1xb8-600iter_msrc21-tags-256x256.py',
         steps=('train', 'test')),
    dict(name='spml',
         config=spml + 'spml_efflite0_1xb8-2k_msrc21-tags-176x176.py',
         steps=('train', )),
    dict(name='pseudo',
         config=spml + 'spml-rw-crf_efflite0_1xb8-2k_msrc21-tags-176x176.py',
         steps=('test', )),
    dict(name='cls',
         config=spml + 'spml-cls_efflite0_1xb8-500iter_msrc21-tags-176x176.py',
         steps=('train', )),
]
