# ST++ on PASCAL VOC 2012 with 732 labelled images, every step in one command
# (GPU scale: 4 GPUs, `--nproc 4`):
#   python tools/pseudo_label/run_pipeline.py --nproc 4 \
#       configs/semi_supervised/stpp/stpp-pipeline_r101-d16_voc12aug-semi-732.py
# The supervised-only recipe of the split (checkpoints every max_iters // 8
# kept: those of 2/8, 5/8 and 8/8 of the schedule label the unlabelled images,
# as the public script's epochs 20, 50 and 80 of 80), stability selection,
# two retrainings (stages: mmlabeleff.apis.stpp.stpp_stages). The stage
# configs are the 92-image ones; this split passes its files
# and its schedule (98k iterations).
from mmlabeleff.apis.stpp import stpp_stages

split = '732'
max_iters = 98000
data_root = 'data/VOCdevkit/VOC2012'
folder = 'configs/semi_supervised/'
stpp_configs = folder + 'stpp/{}_r101-d16_4xb2-105k_voc12aug-semi-92-321x321.py'
schedule = {
    'train_cfg.max_iters': max_iters,
    'train_cfg.val_interval': max_iters // 10,
    'param_scheduler.0.end': max_iters,
    'default_hooks.checkpoint.interval': max_iters // 10,
}
stages = stpp_stages(
    sup_config=folder + 'supervised/'
    f'supervised_r101-d16_4xb2-98k_voc12aug-semi-{split}-321x321.py',
    label_config=stpp_configs.format('stpp-label'),
    retrain1_config=stpp_configs.format('stpp-r1'),
    final_config=stpp_configs.format('stpp'),
    root=f'work_dirs/stpp_r101-d16_voc12aug-semi-{split}',
    sup_work_dir=f'work_dirs/stpp_r101-d16_voc12aug-semi-{split}/sup',
    checkpoints=[max_iters * i // 8 for i in (2, 5, 8)],
    labeled_split=f'{data_root}/splits/{split}/labeled.txt',
    unlabeled_split=f'{data_root}/splits/{split}/unlabeled.txt',
    num_classes=21,
    sup_options={'default_hooks.checkpoint.interval': max_iters // 8,
                 'default_hooks.checkpoint.max_keep_ckpts': -1},
    train_options=schedule)
