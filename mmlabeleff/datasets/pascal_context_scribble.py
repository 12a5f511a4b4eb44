"""PASCAL-Context with background as a class (60 classes) and scribbles."""
from mmseg.datasets import PascalContextDataset

from mmlabeleff.registry import DATASETS
from .pascal_context_scribble import PascalContextScribbleDataset

__all__ = ['PascalContext60ScribbleDataset']


@DATASETS.register_module()
class PascalContext60ScribbleDataset(PascalContextScribbleDataset):
    """PASCAL-Context, 60 classes (background is class 0), with scribbles.

    The class list of mmseg's :class:`~mmseg.datasets.PascalContextDataset`,
    which is what BLPSeg's code trains on (``MODEL_NUM_CLASSES: 60``; Wang
    et al., TIP 2023). Dense masks are read unreduced (0 = background); the
    sparse PNGs come from ``tools/dataset_converters/scribblesup.py
    --dataset context60`` (background scribbles are class 0). Everything
    else is as in :class:`~mmlabeleff.datasets.PascalContextScribbleDataset`.

    Args:
        reduce_zero_label (bool): Defaults to False.
        **kwargs: Passed to
            :class:`~mmlabeleff.datasets.PascalContextScribbleDataset`.
    """
    METAINFO = dict(
        classes=PascalContextDataset.METAINFO['classes'],
        palette=PascalContextDataset.METAINFO['palette'])
    DEFAULT_SPARSE_PREFIX = 'ScribbleSup/context60_scribbles_r100'

    def __init__(self, reduce_zero_label: bool = False, **kwargs) -> None:
        super().__init__(reduce_zero_label=reduce_zero_label, **kwargs)
