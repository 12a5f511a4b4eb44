# SPML on MSRC-21 tags, every step in one command:
#   python tools/pseudo_label/run_pipeline.py \
#       configs/spml/spml-pipeline_efflite0_msrc21-tags.py
# The paper's Algorithm 2: CAM classifier and its dump (the image-tag
# pipeline's CAM stage), SPML on the CAM pseudo labels (step 1), the walk
# from the CAMs over the SPML embedding + CRF (pseudo), nearest-neighbour
# retrieval over a memory labelled by them + CRF (nn), the classifier f1 on
# the retrieval labels (cls); f1's walk labels (f1_rw) as the memory of a
# second retrieval (nn2) and the final classifier f2 on its labels (cls2).
# Re-running resumes at the first missing output.
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
    dict(name='nn',
         config=spml + 'spml-nn-crf_efflite0_1xb8-2k_msrc21-tags-176x176.py',
         steps=('test', )),
    dict(name='cls',
         config=spml + 'spml-nn-cls_efflite0_1xb8-500iter_msrc21-tags-176x176.py',
         steps=('train', )),
    dict(name='f1_rw',
         config=spml + 'spml-rw_efflite0_1xb8-500iter_msrc21-tags-176x176.py',
         steps=('test', )),
    dict(name='nn2',
         config=spml + 'spml-nn2-crf_efflite0_1xb8-2k_msrc21-tags-176x176.py',
         steps=('test', )),
    dict(name='cls2',
         config=spml + 'spml-nn2-cls_efflite0_1xb8-500iter_msrc21-tags-176x176.py',
         steps=('train', )),
]
