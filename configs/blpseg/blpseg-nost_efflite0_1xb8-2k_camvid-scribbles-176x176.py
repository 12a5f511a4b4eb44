# Ablation row "+ BLP loss" (BLPSeg Table I, row 3): scribble head, LAM and
# the BLP loss, without self-training.
_base_ = ['./blpseg_efflite0_1xb8-2k_camvid-scribbles-176x176.py']
custom_hooks = []
