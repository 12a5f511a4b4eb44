# Runtime settings shared by every mmlabeleff config.
default_scope = 'mmlabeleff'
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),  # tools/train.py switches to gloo on CPU
)
vis_backends = [dict(type='LocalVisBackend')]
# no fixed name: the Runner names it after the experiment, so a second
# Runner in one process (a notebook, the tests) gets its own visualizer and
# writes into its own work_dir instead of reusing the first one's
visualizer = dict(type='WeakSegLocalVisualizer', vis_backends=vis_backends)
log_processor = dict(by_epoch=False)
log_level = 'INFO'
load_from = None
resume = False
tta_model = dict(type='mmseg.SegTTAModel')
