"""MSRC-21: object-centric photos with 21 classes, for any supervision."""
from mmlabeleff.registry import DATASETS
from .base_weak_seg_dataset import BaseWeakSegDataset

__all__ = ['MSRC21Dataset']


@DATASETS.register_module()
class MSRC21Dataset(BaseWeakSegDataset):
    """MSRC-21 photos of everyday objects and scenes, 21 classes, with full
    masks or weak labels simulated from them.

    Shotton, Winn, Rother and Criminisi, "TextonBoost: Joint Appearance,
    Shape and Context Modeling for Multi-Class Object Recognition and
    Segmentation", ECCV 2006 (the MSRC object category database v2, 591
    photos of about 320 x 213); the cleaned-up masks of Malisiewicz and Efros,
    "Improving Spatial Support for Objects via Multiple Segmentations", BMVC
    2007. Horse and mountain, which have too few examples, are void, as in
    the MSRC-21 benchmark. An image carries 2.6 classes on average, so image
    tags say much more here than on street scenes (CamVid images carry 9.6
    of 11 classes): the real data set of mmlabeleff's image-tag figures.

    Layout under ``data_root`` (``../shared/data/msrc21`` here; the split is
    seeded by the database's 20 row groups, not Shotton et al.'s list)::

        train/*.png  trainannot/*.png  val/*.png  valannot/*.png
        splits/train.txt  splits/val.txt    # "image_path label_path" lines
        classes.json

    Label PNGs hold the class index 0..20 per pixel and 255 for void
    (unlabelled regions, horse, mountain; about 21 % of the pixels), already
    mmseg's ignore value, so no ``label_map`` is needed.

    Weak labels come from ``weak_root``, written by
    ``tools/dataset_converters/simulate_weak_labels.py --dataset msrc21``
    (image id = the image's file stem), in the layout and with the keys
    per supervision that :class:`~mmlabeleff.datasets.CamVidDataset`
    describes (``tags.json``, ``boxes.json``, ``scribbles_r100/<id>.png``,
    ``points_n1/<id>.png`` + ``points_n1.json``, ``partial_f010/<id>.png``).
    Weak samples carry no ``seg_map_path`` unless ``keep_seg_map_path`` (to
    score pseudo-labels of the train images against their masks).

    Args:
        ann_file (str): Split file relative to ``data_root``, one
            ``"image_path label_path"`` pair per line. Defaults to
            ``'splits/train.txt'``.
        **kwargs: ``supervision``, ``domain``, ``weak_root``, ``weak_label``
            and ``keep_seg_map_path`` of
            :class:`~mmlabeleff.datasets.BaseWeakSegDataset`, and the
            arguments of :class:`mmseg.datasets.BaseSegDataset`.

    Raises:
        FileNotFoundError: A split file, mask, weak-label JSON or sparse map
            is missing (the message names it).
        ValueError: A bad option, a malformed or empty split file, or a
            weak-label JSON that lacks an image (the message names the file).
    """
    # Colours of the MSRC database's own colour map (its ids 1..23 drawn
    # with the PASCAL VOC bit pattern; horse and mountain dropped).
    METAINFO = dict(
        classes=('building', 'grass', 'tree', 'cow', 'sheep', 'sky',
                 'aeroplane', 'water', 'face', 'car', 'bicycle', 'flower',
                 'sign', 'bird', 'book', 'chair', 'road', 'cat', 'dog',
                 'body', 'boat'),
        palette=[[128, 0, 0], [0, 128, 0], [128, 128, 0], [0, 0, 128],
                 [0, 128, 128], [128, 128, 128], [192, 0, 0], [64, 128, 0],
                 [192, 128, 0], [64, 0, 128], [192, 0, 128], [64, 128, 128],
                 [192, 128, 128], [0, 64, 0], [128, 64, 0], [0, 192, 0],
                 [128, 64, 128], [0, 192, 128], [128, 192, 128], [64, 64, 0],
                 [192, 64, 0]])
    #: Weak labels are simulated from the masks, under ``weak_root``.
    WEAK_LABELS_FROM_ROOT = True
    #: Paths come from the split file, not from ``data_prefix``.
    REQUIRED_DATA_PREFIX = {}
    SPLIT_PAIRS = True

    def __init__(self, ann_file: str = 'splits/train.txt', **kwargs) -> None:
        super().__init__(ann_file=ann_file, **kwargs)
