# BLPSeg with zero-length scribbles (scribbles_r000: one pixel per object),
# the scribble length study.
_base_ = ['./blpseg_efflite0_1xb8-2k_camvid-scribbles-176x176.py']
train_dataloader = dict(dataset=dict(weak_label='scribbles_r000'))
