# BLPSeg on PASCAL VOC 2012 with point labels: the model, schedule and
# pipeline of the scribble recipe, trained on one click per ScribbleSup
# scribble (the centre point at half its arc length: SPML's VOC points, Ke
# et al., ICLR 2021), written by
#   python tools/dataset_converters/voc_points.py scribbles \
#       data/scribble_annotation/pascal_2012 data/VOCdevkit/VOC2012/ScribbleSup \
#       --img-dir data/VOCdevkit/VOC2012/JPEGImages
# (ScribbleSup/points_r000/*.png and points_r000.json; the BLPSeg paper
# reports no point results). The exact points of the JSON file are drawn after
# the geometric transforms by DrawPointLabels as disks of point_radius = 3 px
# at training resolution (declared at the top of the scribble recipe, whose
# pipeline serves both label types): diameter 7 px at scales 0.75-1.25 of the
# original image, the nearest disk to SPML's 6-px points (its converter's
# 6 x 6 dilation, scribblesup.py --dilation 6). Change it with
#   --cfg-options train_dataloader.dataset.pipeline.5.radius=R
# The points_mask source (voc_points.py masks: one interior point per object
# of the VOC masks) is used the same way with sparse_map_path and points_file
# set to ScribbleSup/points_mask[.json].
_base_ = [
    './blpseg_r101_2xb5-42320iter_voc12aug-scribbles-384x384.py',  # scribbles
]
train_dataloader = dict(
    dataset=dict(
        supervision='points',
        data_prefix=dict(sparse_map_path='ScribbleSup/points_r000'),
        points_file='ScribbleSup/points_r000.json'))
