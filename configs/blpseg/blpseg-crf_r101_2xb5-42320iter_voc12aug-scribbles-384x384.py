# BLPSeg on VOC scribbles tested with the public code's dense CRF (Table
# VII's "w/ CRF" column): the training recipe and checkpoint are those of
# blpseg_r101_2xb5-42320iter_voc12aug-scribbles-384x384.py; the BLPSeg
# segmentor (a RefinedEncoderDecoder) refines the test logits with
# DenseCRFRefiner's 'blpseg' preset before the argmax: 1 mean-field
# iteration, Gaussian sxy 3 / compat 3, bilateral sxy 32 / srgb 13 /
# compat 10 (pydensecrf semantics; the public code's utils/DenseCRF.py
# constants, tuned for PASCAL's ~500 px images, which are tested at their
# original size here). Test only: train with the recipe above.
#   python tools/test.py THIS_CONFIG CHECKPOINT          # single scale + CRF
#   python tools/test.py THIS_CONFIG CHECKPOINT --tta    # MS + flip + CRF
# With --tta the CRF refines each of the 8 views (scales 0.5-1.25 x flip,
# same kernel widths in pixels) before mmseg's SegTTAModel averages their
# softmax; the public test.py averages the views' logits first and runs the
# CRF once on the fused probabilities at the original size.
_base_ = [
    './blpseg_r101_2xb5-42320iter_voc12aug-scribbles-384x384.py',  # training
]
refiner = dict(type='DenseCRFRefiner', preset='blpseg')
model = dict(test_cfg=dict(mode='whole', refiner=refiner))
