# ST++ on PASCAL VOC 2012 with 1464 labelled images, every step in one command
# (GPU scale: 4 GPUs):
#   python tools/pseudo_label/run_pipeline.py --nproc 4 \
#       configs/semi_supervised/stpp/stpp-pipeline_r101-d16_voc12aug-semi-1464.py
# The split's supervised-only recipe (checkpoints of 2/8, 5/8 and 8/8 of the
# schedule label the unlabelled images), stability selection, two
# retrainings (mmlabeleff.apis.stpp.stpp_split_stages). The stage
# configs are the 92-image ones; this split passes its files and its
# schedule (91k iterations).
from mmlabeleff.apis.stpp import stpp_split_stages

stages = stpp_split_stages(
    'configs/semi_supervised/supervised/'
    'supervised_r101-d16_4xb2-91k_voc12aug-semi-1464-321x321.py',
    'configs/semi_supervised/stpp/{}_r101-d16_4xb2-105k_voc12aug-semi-92-321x321.py',
    root='work_dirs/stpp_r101-d16_voc12aug-semi-1464', max_iters=91000,
    data_root='data/VOCdevkit/VOC2012', split='1464', num_classes=21)
