# Test-time dense CRF (Kraehenbuehl and Koltun, NIPS 2011) on the
# class-balanced CamVid reference: the training recipe and checkpoint are the
# reference's; RefinedEncoderDecoder refines the 240x180 test logits with
# DenseCRFRefiner before the argmax and the upsampling to 480x360. The
# presets' kernel widths are for ~500 px VOC images, so the position stds
# are scaled by ~0.5 for 240x180 inputs.
_base_ = [
    './deeplabv3plus-mfb_efflite0_1xb8-2k_camvid-full-176x176.py',  # reference
]
refiner = dict(
    type='DenseCRFRefiner',
    preset='pydensecrf',  # 10 iterations, Gaussian 3/3, bilateral 80/13/10
    gaussian_sxy=1.5,
    bilateral_sxy=40)
model = dict(
    type='RefinedEncoderDecoder',
    test_cfg=dict(mode='whole', refiner=refiner))
