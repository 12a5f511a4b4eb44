# ST++ on Cityscapes with 1/2 of the train images labelled, every step in
# one command (GPU scale: 8 GPUs, `--nproc 8`):
#   python tools/pseudo_label/run_pipeline.py --nproc 8 \
#       configs/semi_supervised/stpp/stpp-pipeline_r101-d16_cityscapes-semi-1of2.py
# The supervised-only recipe of the split (checkpoints every max_iters // 8
# kept: those of 2/8, 5/8 and 8/8 of the schedule label the unlabelled images,
# as the public script's epochs 20, 50 and 80 of 80), stability selection,
# two retrainings (stages: mmlabeleff.apis.stpp.stpp_stages). The stage
# configs are the 1/16 ones; this split passes its files
# and its schedule (44k iterations).
from mmlabeleff.apis.stpp import stpp_stages

split = '1_2'
max_iters = 44000
data_root = 'data/cityscapes'
folder = 'configs/semi_supervised/'
stpp_configs = folder + 'stpp/{}_r101-d16_8xb1-84k_cityscapes-semi-1of16-769x769.py'
schedule = {
    'train_cfg.max_iters': max_iters,
    'train_cfg.val_interval': max_iters // 10,
    'param_scheduler.0.end': max_iters,
    'default_hooks.checkpoint.interval': max_iters // 10,
}
stages = stpp_stages(
    sup_config=folder + 'supervised/'
    'supervised_r101-d16_8xb1-44k_cityscapes-semi-1of2-769x769.py',
    label_config=stpp_configs.format('stpp-label'),
    retrain1_config=stpp_configs.format('stpp-r1'),
    final_config=stpp_configs.format('stpp'),
    root='work_dirs/stpp_r101-d16_cityscapes-semi-1of2',
    sup_work_dir='work_dirs/stpp_r101-d16_cityscapes-semi-1of2/sup',
    checkpoints=[max_iters * i // 8 for i in (2, 5, 8)],
    labeled_split=f'{data_root}/splits/{split}/labeled.txt',
    unlabeled_split=f'{data_root}/splits/{split}/unlabeled.txt',
    num_classes=19,
    sup_options={'default_hooks.checkpoint.interval': max_iters // 8,
                 'default_hooks.checkpoint.max_keep_ckpts': -1},
    train_options=schedule)
