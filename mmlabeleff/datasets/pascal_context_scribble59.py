"""PASCAL-Context without background (59 classes, as mmseg's) and
ScribbleSup scribbles."""
from mmseg.datasets import PascalContextDataset59

from mmlabeleff.registry import DATASETS
from .pascal_context_scribble import PascalContextScribbleDataset

__all__ = ['PascalContextScribbleDataset59']


@DATASETS.register_module()
class PascalContextScribbleDataset59(PascalContextScribbleDataset):
    """PASCAL-Context, 59 classes (background ignored), with scribbles.

    Named and classed as mmseg's
    :class:`~mmseg.datasets.PascalContextDataset59`: the dense masks (0 =
    background, 1..59) are read with ``reduce_zero_label=True``, which maps
    background to 255 (ignored) and class ``k`` to ``k - 1``. The sparse
    PNGs are written by ``tools/dataset_converters/scribblesup.py --dataset
    context59`` directly in that 59-class space: class ids 0..58, background
    scribbles 255 (ignore, since background is no class here), 254
    unlabeled; they are not reduced again. Layout as in
    :class:`~mmlabeleff.datasets.PascalContextScribbleDataset`, with the
    sparse maps in ``ScribbleSup/context59_scribbles_r100``.

    Args:
        reduce_zero_label (bool): Defaults to True.
        **kwargs: Passed to
            :class:`~mmlabeleff.datasets.PascalContextScribbleDataset`.
    """
    METAINFO = dict(
        classes=PascalContextDataset59.METAINFO['classes'],
        palette=PascalContextDataset59.METAINFO['palette'])
    DEFAULT_SPARSE_PREFIX = 'ScribbleSup/context59_scribbles_r100'

    def __init__(self, reduce_zero_label: bool = True, **kwargs) -> None:
        super().__init__(reduce_zero_label=reduce_zero_label, **kwargs)
