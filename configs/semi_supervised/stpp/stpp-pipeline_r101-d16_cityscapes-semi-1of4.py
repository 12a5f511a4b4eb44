# ST++ on Cityscapes with 1/4 of the train images labelled, every step in
# one command (GPU scale: 8 GPUs):
#   python tools/pseudo_label/run_pipeline.py --nproc 8 \
#       configs/semi_supervised/stpp/stpp-pipeline_r101-d16_cityscapes-semi-1of4.py
# The split's supervised-only recipe (checkpoints of 2/8, 5/8 and 8/8 of the
# schedule label the unlabelled images), stability selection, two
# retrainings (mmlabeleff.apis.stpp.stpp_split_stages). The stage
# configs are the 1/16 ones; this split passes its files and its
# schedule (67k iterations).
from mmlabeleff.apis.stpp import stpp_split_stages

stages = stpp_split_stages(
    'configs/semi_supervised/supervised/'
    'supervised_r101-d16_8xb1-67k_cityscapes-semi-1of4-769x769.py',
    'configs/semi_supervised/stpp/{}_r101-d16_8xb1-84k_cityscapes-semi-1of16-769x769.py',
    root='work_dirs/stpp_r101-d16_cityscapes-semi-1of4', max_iters=67000,
    data_root='data/cityscapes', split='1_4', num_classes=19)
