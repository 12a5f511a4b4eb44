# The supervised-only baseline on the labelled images of the 1/4 split (92
# of 367); everything else as the reference recipe.
_base_ = [
    # the fully supervised reference (48.32 on all 367 images)
    '../../fully_supervised/deeplabv3plus/'
    'deeplabv3plus-mfb_efflite0_1xb8-2k_camvid-full-176x176.py',
]
split = '1_4'  # 92 labelled images
train_dataloader = dict(
    dataset=dict(ann_file=f'../camvid_semi/{split}/labeled.txt'))
# every 500 iterations, all kept: ST++ scores the stability of its
# predictions over these checkpoints (configs/semi_supervised/stpp/)
default_hooks = dict(checkpoint=dict(interval=500, max_keep_ckpts=-1))
