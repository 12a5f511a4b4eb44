# Partial cross-entropy baseline (the UperNet segmentation branch trained on
# the scribble pixels only; the closest paper row is Table I's baseline
# without LAM and BLP loss, 72.641, which may keep the scribble head) on
# PASCAL VOC 2012 ScribbleSup, in the paper's recipe: the same ResNet-101
# UperNet, data, AdamW schedule and evaluation as the BLPSeg recipe, without
# the scribble head, the LAM, the BLP loss or self-training. It is also the
# baseline of the paper-recipe step-cost measurement in docs/scribbles_points.md
# (tools/analysis_tools/benchmark_blpseg.py --synthetic).
_base_ = ['./blpseg_r101_2xb5-42320iter_voc12aug-scribbles-384x384.py']
model = dict(
    decode_head=dict(
        scribble_head=False,
        lam=None,
        loss_decode=dict(
            _delete_=True, type='PartialCrossEntropyLoss', loss_name='loss_ce')))
custom_hooks = []
