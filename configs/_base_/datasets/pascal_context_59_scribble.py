# PASCAL-Context, 59 classes (background ignored, as mmseg's
# PascalContextDataset59): 4,998 VOC 2010 train images with ScribbleSup
# scribbles (tools/dataset_converters/scribblesup.py --dataset context59),
# the 5,105 val images with full masks (mmseg's pascal_context.py converter)
# for evaluation. Loader settings and evaluator are those of the VOC config
# (same VOC layout, same ScribbleSup labels). The 60-class setting
# (background is class 0, as mmseg's PascalContextDataset and BLPSeg's code)
# is PascalContextScribbleDataset with LoadWeakAnnotations(num_classes=60)
# and the scribbles of scribblesup.py --dataset context60
# (ScribbleSup/context60_scribbles_r100).
_base_ = ['./voc12_aug_weak.py']  # VOC-layout loaders, evaluator
dataset_type = 'PascalContextScribbleDataset59'
data_root = 'data/VOCdevkit/VOC2010'
supervision = 'scribbles'
sparse_prefix = 'ScribbleSup/context59_scribbles_r100'
num_classes = 59
img_scale = (520, 520)
crop_size = (480, 480)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWeakAnnotations', num_classes=num_classes),
    dict(type='mmseg.RandomResize', scale=img_scale, ratio_range=(0.5, 2.0),
         resize_type='WeakResize', keep_ratio=True),
    dict(type='WeakRandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='WeakRandomFlip', prob=0.5),
    dict(type='mmseg.PhotoMetricDistortion'),
    dict(type='PackWeakSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='mmseg.Resize', scale=img_scale, keep_ratio=True),
    dict(type='mmseg.LoadAnnotations'),
    dict(type='mmseg.PackSegInputs'),
]
train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='ImageSets/SegmentationContext/train.txt',
        data_prefix=dict(
            img_path='JPEGImages',
            seg_map_path='SegmentationClassContext',
            sparse_map_path=sparse_prefix),
        supervision=supervision,
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='ImageSets/SegmentationContext/val.txt',
        data_prefix=dict(
            img_path='JPEGImages', seg_map_path='SegmentationClassContext'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
