# BLPSeg with half-length simulated scribbles (scribbles_r050), the scribble
# length study.
_base_ = ['./blpseg_efflite0_1xb8-2k_camvid-scribbles-176x176.py']
train_dataloader = dict(dataset=dict(weak_label='scribbles_r050'))
