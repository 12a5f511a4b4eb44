"""PASCAL-Context (60 classes, as mmseg's) with ScribbleSup scribbles."""
from typing import Optional

from mmseg.datasets import PascalContextDataset

from mmlabeleff.registry import DATASETS
from .voc_weak import VOCWeakDataset

__all__ = ['PascalContextScribbleDataset']


@DATASETS.register_module()
class PascalContextScribbleDataset(VOCWeakDataset):
    """PASCAL-Context, 60 classes (background is class 0), with
    PASCAL-Scribble scribbles.

    Mottaghi et al., "The role of context for object detection and semantic
    segmentation in the wild", CVPR 2014 (4,998 train / 5,105 val images of
    VOC 2010); the scribbles are ScribbleSup's PASCAL-Scribble (Lin et al.,
    CVPR 2016), rasterised with ``tools/dataset_converters/scribblesup.py
    --dataset context60``.

    Named and classed as mmseg's :class:`~mmseg.datasets.PascalContextDataset`
    (60 classes, background = 0), which is also what BLPSeg's code trains on
    (``MODEL_NUM_CLASSES: 60``; Wang et al., TIP 2023). The dense masks of
    ``SegmentationClassContext`` (written by mmseg's ``pascal_context.py``
    converter) hold 0 = background and 1..59 and are read unreduced; the
    sparse PNGs hold the same ids (background scribbles are class 0), 254
    unlabeled. For the 59-class variant (background ignored) use
    :class:`~mmlabeleff.datasets.PascalContextScribbleDataset59`.

    Layout under ``data_root`` (``data/VOCdevkit/VOC2010``)::

        JPEGImages/<id>.jpg
        SegmentationClassContext/<id>.png     0 = background, 1..59
        ImageSets/SegmentationContext/{train,val}.txt
        ScribbleSup/context60_scribbles_r100/<id>.png   (scribblesup.py)

    Supervision may be ``'full'``, ``'tags'`` (from the masks only),
    ``'scribbles'``, ``'points'``, ``'partial'`` or ``'unlabeled'``; there
    are no boxes for the context classes. Data infos follow
    :class:`~mmlabeleff.datasets.VOCWeakDataset`.

    Args:
        ann_file (str): Defaults to
            ``'ImageSets/SegmentationContext/train.txt'``.
        supervision (str): Defaults to ``'scribbles'``.
        reduce_zero_label (bool): Defaults to False.
        data_prefix (dict): Defaults to ``dict(img_path='JPEGImages',
            seg_map_path='SegmentationClassContext',
            sparse_map_path=DEFAULT_SPARSE_PREFIX)``.
        **kwargs: Passed to :class:`~mmlabeleff.datasets.VOCWeakDataset`.
    """
    METAINFO = dict(
        classes=PascalContextDataset.METAINFO['classes'],
        palette=PascalContextDataset.METAINFO['palette'])
    SUPPORTED_SUPERVISION = ('full', 'tags', 'scribbles', 'points', 'partial',
                             'unlabeled')
    TAG_SOURCES = ('mask', )
    #: Sparse maps read when ``data_prefix`` is not given.
    DEFAULT_SPARSE_PREFIX = 'ScribbleSup/context60_scribbles_r100'

    def __init__(self,
                 ann_file: str = 'ImageSets/SegmentationContext/train.txt',
                 supervision: str = 'scribbles',
                 reduce_zero_label: bool = False,
                 data_prefix: Optional[dict] = None,
                 **kwargs) -> None:
        if data_prefix is None:
            data_prefix = dict(
                img_path='JPEGImages',
                seg_map_path='SegmentationClassContext',
                sparse_map_path=self.DEFAULT_SPARSE_PREFIX)
        super().__init__(
            ann_file=ann_file,
            supervision=supervision,
            reduce_zero_label=reduce_zero_label,
            data_prefix=data_prefix,
            **kwargs)
