# SPML on CamVid with one simulated click per object (points_n1), drawn as
# disks of point_radius (3) px at training resolution by DrawPointLabels
# (the BLPSeg CamVid points recipe draws the same radius); the relationship
# weights are the paper's points row (lambda_I 1, lambda_C 1, kappa_C 8),
# which SPMLHead takes from each sample's supervision.
_base_ = ['./spml_efflite0_1xb8-2k_camvid-scribbles-176x176.py']
supervision = 'points'
weak_label = 'points_n1'
train_dataloader = dict(
    dataset=dict(supervision=supervision, weak_label=weak_label))
