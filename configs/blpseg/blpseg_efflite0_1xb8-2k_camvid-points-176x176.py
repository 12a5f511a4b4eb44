# BLPSeg with one simulated click per object (points_n1), drawn as disks of
# point_radius = 3 px at training resolution by DrawPointLabels. The ablation
# rows for points are the scribble rows' configs with
#   --cfg-options train_dataloader.dataset.supervision=points \
#       train_dataloader.dataset.weak_label=points_n1
_base_ = ['./blpseg_efflite0_1xb8-2k_camvid-scribbles-176x176.py']
train_dataloader = dict(
    dataset=dict(supervision='points', weak_label='points_n1'))
