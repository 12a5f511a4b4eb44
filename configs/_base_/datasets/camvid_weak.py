# CamVid (SegNet 11-class version) with simulated weak labels: the 367 train
# images read labels written by tools/dataset_converters/simulate_weak_labels.py
#   python tools/dataset_converters/simulate_weak_labels.py --dataset camvid \
#       --data-root data/camvid --split train --out-dir data/camvid_weak
# and the 101 val images are evaluated on the full masks, as in camvid.py.
# To switch label type, override train_dataloader.dataset.supervision and
# train_dataloader.dataset.weak_label (a sub-folder of weak_root), e.g.
#   --cfg-options train_dataloader.dataset.supervision=points \
#       train_dataloader.dataset.weak_label=points_n1
# ('scribbles' + scribbles_r100 / _r080 / _r050 / _r030 / _r000, 'points' +
# points_n1, 'partial' + partial_f010; 'tags', 'boxes', 'full' and
# 'unlabeled' take weak_label=None).
_base_ = ['./camvid.py']  # val / test sets, evaluator, loader settings
weak_root = 'data/camvid_weak'  # written by simulate_weak_labels.py
supervision = 'scribbles'
weak_label = 'scribbles_r100'  # full-length simulated scribbles
num_classes = 11
crop_size = (176, 176)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadWeakAnnotations', num_classes=num_classes),
    dict(type='mmseg.RandomResize', scale=(240, 180), ratio_range=(0.75, 1.5),
         resize_type='WeakResize', keep_ratio=True),
    dict(type='WeakRandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='WeakRandomFlip', prob=0.5),
    dict(type='mmseg.PhotoMetricDistortion'),
    dict(type='PackWeakSegInputs'),
]
train_dataloader = dict(
    dataset=dict(
        supervision=supervision,
        weak_root=weak_root,
        weak_label=weak_label,
        pipeline=train_pipeline))
