# UniMatch's optimisation of its DeepLabV3+ ResNet-101 runs (Yang et al.,
# CVPR 2023; github.com/LiheYoung/UniMatch, MIT), shared by the PASCAL VOC and
# Cityscapes semi-supervised recipes: SGD momentum 0.9, weight decay 1e-4, poly
# 0.9 to 0; PASCAL VOC's learning rate 0.001 with the decode head at x10 (the
# Cityscapes recipes set 0.005 and x1). Validation and checkpoints (the best
# mIoU kept) every max_iters // 10. A recipe sets its own max_iters and
# val_interval at the top and passes them to param_scheduler, train_cfg and the
# checkpoint hook; teacher-student recipes validate both networks
# (mmdet.TeacherStudentValLoop) and keep the best 'teacher/mIoU' or
# 'student/mIoU'.
max_iters = 105000
val_interval = max_iters // 10
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.001, momentum=0.9, weight_decay=1e-4),
    paramwise_cfg=dict(custom_keys={'decode_head': dict(lr_mult=10.0)}))
param_scheduler = [
    dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=max_iters,
         by_epoch=False)
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=val_interval)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False,
                    interval=val_interval, max_keep_ckpts=2,
                    save_best='mIoU', rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='mmseg.SegVisualizationHook'))
