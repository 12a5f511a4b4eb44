# Ablation row "partial CE, class-weighted": the partial-CE baseline with
# median-frequency class weights measured on the labels this row trains on
# (the labelled pixels of scribbles_r100), not on the full masks:
#   python tools/analysis_tools/class_weights.py data/camvid_weak/scribbles_r100 \
#       --num-classes 11
# (the full-mask weights of the reference recipe make partial CE on
# scribbles over-predict Pole and Pedestrian and almost never predict
# Building).
_base_ = ['./blpseg_efflite0_1xb8-2k_camvid-scribbles-176x176.py']
scribble_class_weight = [
    0.7257, 0.4833, 1.0, 0.5817, 0.9353, 0.7456, 2.4421, 2.2939, 1.3393,
    2.6651, 5.5923
]
model = dict(
    decode_head=dict(
        scribble_head=False,
        lam=None,
        loss_decode=dict(
            _delete_=True,
            type='PartialCrossEntropyLoss',
            class_weight=scribble_class_weight,
            loss_name='loss_ce')))
custom_hooks = []
