# The whole image-tag pipeline on camvid, one command:
#   python tools/pseudo_label/run_pipeline.py \
#       configs/irn/irn-pipeline_efflite0_camvid-tags.py
# CAM classifier (train), CAM dump + seed score (test), IRN (train, caches
# the confident labels), pseudo masks + their scores (test), segmenter on
# the pseudo masks (train). Re-running resumes at the first missing output.
irn = 'configs/irn/'
stages = [
    dict(name='cam',
         config=irn + 'cam_efflite0_1xb8-600iter_camvid-tags-256x256.py',
         steps=('train', 'test')),
    dict(name='irn',
         config=irn + 'irn_efflite0_1xb8-300iter_camvid-tags-256x256.py',
         steps=('train', 'test')),
    dict(name='seg',
         config=irn + 'deeplabv3plus-mfb_efflite0_1xb8-2k_camvid-irn-176x176.py',
         steps=('train', )),
]
