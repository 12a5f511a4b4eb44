"""Tiny TextureScenes runs of the ``make demo`` recipes, for tests.

A few small generated scenes with simulated scribbles, and the two demo
recipes (``configs/demo/``) shrunk to a seconds-long run on them.
"""
from pathlib import Path
from typing import Optional, Tuple, Union

from .script_loader import REPO_ROOT
from .tiny_configs import shrink_schedule

DEMO_FULL_CONFIG = (REPO_ROOT / 'configs/demo/'
                    'deeplabv3plus_efflite0_1xb8-300iter_texture-scenes-'
                    'full-96x96.py')
DEMO_WEAK_CONFIG = (REPO_ROOT / 'configs/demo/'
                    'blpseg_efflite0_1xb8-300iter_texture-scenes-'
                    'scribbles-96x96.py')


def make_tiny_texture_scenes(root: Union[str, Path], num_train: int = 4,
                             num_val: int = 2, size: Tuple[int, int] = (32,
                                                                         40)
                             ) -> Tuple[Path, Path]:
    """Generate TextureScenes and the scribbles of its train split.

    The scribbles are written as ``make demo`` writes them (full-length,
    1 px, seed 0), with :func:`mmlabeleff.structures.simulate_weak_labels`.

    Args:
        root: A folder; ``root/texture_scenes`` and
            ``root/texture_scenes_weak`` are written in it.
        num_train (int): Train scenes. Defaults to 4.
        num_val (int): Val scenes. Defaults to 2.
        size (tuple[int, int]): ``(H, W)``. Defaults to ``(32, 40)``.

    Returns:
        tuple[Path, Path]: The dataset root and the weak-label root.
    """
    from mmlabeleff.datasets.generators import make_texture_scenes
    from mmlabeleff.datasets.generators.texture_scenes import CLASSES
    from mmlabeleff.structures import list_folder_samples, simulate_weak_labels
    root = Path(root)
    data_root = root / 'texture_scenes'
    weak_root = root / 'texture_scenes_weak'
    make_texture_scenes(data_root, num_train=num_train, num_val=num_val,
                        size=size)
    samples = list_folder_samples(str(data_root / 'img_dir' / 'train'),
                                  str(data_root / 'ann_dir' / 'train'),
                                  img_suffix='.png')
    simulate_weak_labels(samples, str(weak_root), len(CLASSES),
                         classes=CLASSES, types=('scribbles', ),
                         scribble_ratios=(1.0, ), workers=1)
    return data_root, weak_root


def shrink_demo_recipe(cfg, data_root, work_dir,
                       weak_root: Optional[Union[str, Path]] = None,
                       max_iters: int = 2, crop_size=(32, 32)):
    """Shrink a ``configs/demo/`` recipe in place to a seconds-long run.

    The recipe's pipelines are kept (random transforms included) with a
    smaller rescale and crop; the backbone is not pretrained, the decode
    head is 16 wide, loaders have no workers, a ``SelfTrainingHook`` starts
    at iteration 1 (so that a 2-iteration run also trains on self-training
    targets), validation and the checkpoint come at the end.

    Args:
        cfg (Config): The loaded recipe.
        data_root: The tiny dataset (:func:`make_tiny_texture_scenes`).
        work_dir: The run's work dir.
        weak_root: Its weak labels, for a weak-label recipe.
        max_iters (int): Iterations. Defaults to 2.
        crop_size (tuple): Train crop. Defaults to (32, 32).

    Returns:
        Config: ``cfg``.
    """
    for step in cfg.train_dataloader.dataset.pipeline:
        if 'crop_size' in step:
            step['crop_size'] = crop_size
        if step.get('type') in ('mmseg.RandomResize', 'RandomResize'):
            step['scale'] = (40, 32)
    cfg.work_dir = str(work_dir)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = str(data_root)
        cfg[loader].num_workers = 0
        cfg[loader].persistent_workers = False
    if cfg.train_dataloader.dataset.get('weak_root'):
        if weak_root is None:
            raise ValueError('a weak-label recipe needs weak_root')
        cfg.train_dataloader.dataset.weak_root = str(weak_root)
    cfg.train_dataloader.batch_size = 2
    cfg.model.backbone.init_cfg = None
    cfg.model.data_preprocessor.size = crop_size
    cfg.model.decode_head.channels = 16
    if 'c1_channels' in cfg.model.decode_head:
        cfg.model.decode_head.c1_channels = 8
    for hook in cfg.get('custom_hooks', None) or []:
        if hook['type'] == 'SelfTrainingHook':
            hook['start_iter'] = 1
    return shrink_schedule(cfg, max_iters)
