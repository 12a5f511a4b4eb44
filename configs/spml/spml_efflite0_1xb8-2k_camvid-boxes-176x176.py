# SPML on CamVid boxes (boxes.json, one box per connected region of a class,
# simulated from the masks): the semantic-annotation term reads SPML's
# box-wise CAM pseudo labels (each box's CAM of its class normalised to
# [0, 1] inside the box, alpha 6, probability threshold 0.5; outside every
# box unlabeled, CamVid having no background class) made from the CAM dump
# of configs/irn/cam_efflite0_1xb8-600iter_camvid-tags-256x256.py; the
# co-occurrence term reads the box classes; Table 5's box row.
#   python tools/pseudo_label/run_pipeline.py \
#       configs/spml/spml-pipeline_efflite0_camvid-boxes.py
_base_ = ['./spml_efflite0_1xb8-2k_camvid-scribbles-176x176.py']
supervision = 'boxes'
train_dataloader = dict(
    dataset=dict(supervision=supervision, weak_label=None))
