"""PASCAL-Context (59 classes) with ScribbleSup scribbles."""
from typing import Optional

from mmseg.datasets import PascalContextDataset59

from mmlabeleff.registry import DATASETS
from .voc_weak import VOCWeakDataset

__all__ = ['PascalContextScribbleDataset']


@DATASETS.register_module()
class PascalContextScribbleDataset(VOCWeakDataset):
    """PASCAL-Context, 59 classes, with PASCAL-Scribble scribbles.

    Mottaghi et al., "The role of context for object detection and semantic
    segmentation in the wild", CVPR 2014 (4,998 train / 5,105 val images of
    VOC 2010); the scribbles are ScribbleSup's PASCAL-Scribble (Lin et al.,
    CVPR 2016), rasterised with ``tools/dataset_converters/scribblesup.py
    --dataset context59``.

    Classes and background handling are those of mmseg's
    :class:`~mmseg.datasets.PascalContextDataset59`: the dense masks of
    ``SegmentationClassContext`` (written by mmseg's ``pascal_context.py``
    converter) hold 0 = background and 1..59, and ``reduce_zero_label=True``
    maps background to 255 (ignored) and class ``k`` to ``k - 1``. The
    sparse PNGs are written by the converter directly in that 59-class
    space: class ids 0..58, background scribbles 255 (ignore, since
    background is no class here), 254 unlabeled; they are not reduced again.
    For the 60-class variant (background as class 0, as BLPSeg's code) use
    :class:`~mmlabeleff.datasets.PascalContext60ScribbleDataset`.

    Layout under ``data_root`` (``data/VOCdevkit/VOC2010``)::

        JPEGImages/<id>.jpg
        SegmentationClassContext/<id>.png     0 = background, 1..59
        ImageSets/SegmentationContext/{train,val}.txt
        ScribbleSup/context59_scribbles_r100/<id>.png   (scribblesup.py)

    Supervision may be ``'full'``, ``'tags'`` (from the masks only),
    ``'scribbles'``, ``'points'``, ``'partial'`` or ``'unlabeled'``; there
    are no boxes for the 59 classes. Data infos follow
    :class:`~mmlabeleff.datasets.VOCWeakDataset`.

    Args:
        ann_file (str): Defaults to
            ``'ImageSets/SegmentationContext/train.txt'``.
        supervision (str): Defaults to ``'scribbles'``.
        reduce_zero_label (bool): Defaults to True.
        data_prefix (dict): Defaults to ``dict(img_path='JPEGImages',
            seg_map_path='SegmentationClassContext',
            sparse_map_path='ScribbleSup/context59_scribbles_r100')``.
        **kwargs: Passed to :class:`~mmlabeleff.datasets.VOCWeakDataset`.
    """
    METAINFO = dict(
        classes=PascalContextDataset59.METAINFO['classes'],
        palette=PascalContextDataset59.METAINFO['palette'])
    SUPPORTED_SUPERVISION = ('full', 'tags', 'scribbles', 'points', 'partial',
                             'unlabeled')
    TAG_SOURCES = ('mask', )
    DEFAULT_SPARSE_PREFIX = 'ScribbleSup/context59_scribbles_r100'

    def __init__(self,
                 ann_file: str = 'ImageSets/SegmentationContext/train.txt',
                 supervision: str = 'scribbles',
                 reduce_zero_label: bool = True,
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
