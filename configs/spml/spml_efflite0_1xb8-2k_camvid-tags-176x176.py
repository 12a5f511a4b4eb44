# SPML on CamVid image tags (tags.json, simulated from the masks): the
# semantic-annotation term reads SPML's CAM pseudo labels (alpha 6,
# probability threshold 0.2; LoadCAMPseudoLabels in the scribbles recipe)
# of the CAM dump of the image-tag pipeline's CAM stage
# (configs/irn/cam_efflite0_1xb8-600iter_camvid-tags-256x256.py, train +
# test); the co-occurrence term reads the tags; Table 5's tag row.
# The whole chain (CAM, SPML, pseudo labels, classifier) is
#   python tools/pseudo_label/run_pipeline.py \
#       configs/spml/spml-pipeline_efflite0_camvid-tags.py
# CamVid's street scenes hold nearly every class in every image, so its
# CAMs barely localise (the MSRC-21 configs are the image-tag benchmark).
_base_ = ['./spml_efflite0_1xb8-2k_camvid-scribbles-176x176.py']
supervision = 'tags'
train_dataloader = dict(
    dataset=dict(supervision=supervision, weak_label=None))
