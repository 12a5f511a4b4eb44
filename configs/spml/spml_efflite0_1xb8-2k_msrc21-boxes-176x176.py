# SPML on MSRC-21 boxes (boxes.json, simulated from the masks): box-wise CAM
# pseudo labels (each box's CAM normalised to [0, 1] inside it, alpha 6,
# probability threshold 0.5; outside every box unlabeled, MSRC-21 having
# no background class) and the box classes; otherwise the tags recipe.
#   python tools/pseudo_label/run_pipeline.py \
#       configs/spml/spml-pipeline_efflite0_msrc21-boxes.py
_base_ = ['./spml_efflite0_1xb8-2k_msrc21-tags-176x176.py']
supervision = 'boxes'
train_dataloader = dict(dataset=dict(supervision=supervision))
