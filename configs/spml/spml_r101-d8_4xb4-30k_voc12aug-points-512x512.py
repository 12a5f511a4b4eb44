# SPML on PASCAL VOC 2012 with one point per ScribbleSup scribble (the
# centre of its arc, SPML's 0 %-length scribbles), written by
#   python tools/dataset_converters/voc_points.py scribbles \
#       data/scribble_annotation/pascal_2012 data/VOCdevkit/VOC2012/ScribbleSup \
#       --img-dir data/VOCdevkit/VOC2012/JPEGImages
# drawn as 7-px disks (the public d6 lists) after the geometric transforms;
# the paper's Table 5 points row (SPMLHead takes it from the supervision).
# Not run here: the paper reports 71.3 val mIoU (73.2 with CRF).
_base_ = ['./spml_r101-d8_4xb4-30k_voc12aug-scribbles-512x512.py']
train_dataloader = dict(
    dataset=dict(
        supervision='points',
        data_prefix=dict(sparse_map_path='ScribbleSup/points_r000'),
        points_file='ScribbleSup/points_r000.json'))
