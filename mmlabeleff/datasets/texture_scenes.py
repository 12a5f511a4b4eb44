"""TextureScenes, the project's generated demo dataset."""
from mmlabeleff.registry import DATASETS
from .base_weak_seg_dataset import BaseWeakSegDataset
from .generators.texture_scenes import CLASSES, PALETTE

__all__ = ['TextureScenesDataset']


@DATASETS.register_module()
class TextureScenesDataset(BaseWeakSegDataset):
    """Scenes of texture shapes on a starfield, with exact masks (5 classes).

    Generated offline and deterministically by
    :func:`mmlabeleff.datasets.generators.make_texture_scenes` (or
    ``python tools/misc/make_demo_dataset.py --out-dir data/texture_scenes``)
    from texture photographs that ship inside the scikit-image wheel: the
    Hubble eXtreme Deep Field (NASA, public domain) as background, and brick
    (CC0Textures Bricks25, CC0), grass (linolafett, CC0), gravel
    (CC0Textures Gravel04, CC0) and immunohistochemistry tissue (CMMI, no
    known copyright restrictions); see that module for details.

    Layout under ``data_root``::

        img_dir/{train,val}/*.png   RGB scenes
        ann_dir/{train,val}/*.png   class index 0..4 per pixel
        meta.json                   classes, palette, sources, parameters

    Every pixel is labelled (no ignore value in the files), class 0 is a real
    class (``background``), so ``reduce_zero_label`` is False. Data infos
    are mmseg's plus ``supervision`` and ``domain``.

    Weak labels (any supervision but ``'full'`` and ``'unlabeled'``) are
    simulated from the masks and read from ``weak_root``, as for CamVid
    (:class:`~mmlabeleff.datasets.BaseWeakSegDataset`; the image id is the
    file stem, ``00000``). ``make demo`` writes the scribbles of the train
    split with::

        python tools/dataset_converters/simulate_weak_labels.py \
            --dataset folder --img-dir data/texture_scenes/img_dir/train \
            --ann-dir data/texture_scenes/ann_dir/train --img-suffix .png \
            --num-classes 5 --types scribbles --scribble-ratios 1.0 \
            --out-dir data/texture_scenes_weak

    and the scribble recipe reads ``weak_root='data/texture_scenes_weak'``,
    ``supervision='scribbles'`` (``scribbles_r100/<id>.png``).

    Args:
        img_suffix (str): Defaults to ``'.png'``.
        seg_map_suffix (str): Defaults to ``'.png'``.
        reduce_zero_label (bool): Defaults to False.
        **kwargs: Passed to :class:`~mmlabeleff.datasets.BaseWeakSegDataset`
            (``supervision``, ``domain``, ``weak_root``, ``weak_label``,
            ``keep_seg_map_path``) and
            :class:`mmseg.datasets.BaseSegDataset`, e.g.
            ``data_root`` and ``data_prefix=dict(img_path='img_dir/train',
            seg_map_path='ann_dir/train')``.
    """
    METAINFO = dict(classes=CLASSES, palette=[list(c) for c in PALETTE])
    #: Weak labels are simulated from the masks, under ``weak_root``.
    WEAK_LABELS_FROM_ROOT = True
    #: mmseg's default ``data_prefix`` (files directly under ``data_root``)
    #: is allowed.
    REQUIRED_DATA_PREFIX = {}
    DATA_HINT = ('; generate the dataset with `python '
                 'tools/misc/make_demo_dataset.py --out-dir <data_root>` (or '
                 'mmlabeleff.datasets.generators.make_texture_scenes)')

    def __init__(self,
                 img_suffix: str = '.png',
                 seg_map_suffix: str = '.png',
                 reduce_zero_label: bool = False,
                 **kwargs) -> None:
        super().__init__(
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            reduce_zero_label=reduce_zero_label,
            **kwargs)
