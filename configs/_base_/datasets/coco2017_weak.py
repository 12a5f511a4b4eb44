# MS-COCO 2017 as 81 classes: the COCO 2014 weak-label setting (tags by
# default) on the 2017 split. Render the semantic maps once with
#   python tools/dataset_converters/coco_weak.py data/coco --split val2017
# (and --split train2017 for supervision='full' or pseudo-label evaluation).
_base_ = ['./coco2014_weak.py']  # pipelines, loaders, evaluator
train_dataloader = dict(
    dataset=dict(
        ann_file='annotations/instances_train2017.json',
        data_prefix=dict(
            img_path='train2017', seg_map_path='semantic/train2017')))
# 117,266 of the 118,287 train images have annotations (filter_empty=True)
val_dataloader = dict(
    dataset=dict(
        ann_file='annotations/instances_val2017.json',
        data_prefix=dict(img_path='val2017', seg_map_path='semantic/val2017')))
test_dataloader = val_dataloader
