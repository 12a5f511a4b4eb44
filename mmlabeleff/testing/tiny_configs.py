"""Config helpers shared by tests: shrink real recipes to seconds-long runs."""
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

CAMVID_CONFIG = ('configs/fully_supervised/deeplabv3plus/'
                 'deeplabv3plus_efflite0_1xb8-2k_camvid-full-176x176.py')


def tiny_camvid_cfg_options(data_root, work_dir, max_iters=4, interval=2):
    """``--cfg-options`` that shrink the CamVid recipe to a seconds-long run.

    Deterministic pipeline (no random transforms, no shuffling), no
    pretrained download, 2 images per batch, no worker processes.
    """
    det_pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='mmseg.LoadAnnotations'),
        dict(type='mmseg.PackSegInputs'),
    ]
    return {
        'work_dir': str(work_dir),
        'train_dataloader.dataset.data_root': str(data_root),
        'train_dataloader.dataset.pipeline': det_pipeline,
        'train_dataloader.batch_size': 2,
        'train_dataloader.num_workers': 0,
        'train_dataloader.persistent_workers': False,
        'train_dataloader.sampler.shuffle': False,
        'val_dataloader.dataset.data_root': str(data_root),
        'val_dataloader.num_workers': 0,
        'val_dataloader.persistent_workers': False,
        'test_dataloader.dataset.data_root': str(data_root),
        'test_dataloader.num_workers': 0,
        'test_dataloader.persistent_workers': False,
        'model.backbone.init_cfg': None,
        'model.data_preprocessor.size': (36, 48),
        'model.decode_head.channels': 16,
        'model.decode_head.c1_channels': 8,
        'model.decode_head.dropout_ratio': 0.0,
        'train_cfg.max_iters': max_iters,
        'train_cfg.val_interval': max_iters,
        'param_scheduler': [
            dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=6,
                 by_epoch=False)
        ],
        'default_hooks.logger.interval': 1,
        'default_hooks.checkpoint.interval': interval,
        'default_hooks.checkpoint.save_best': None,
        'default_hooks.checkpoint.max_keep_ckpts': -1,
        'default_hooks.visualization.draw': False,
        'randomness.seed': 0,
        'env_cfg.mp_cfg.mp_start_method': 'fork',
    }


def dump_tiny_camvid_config(path, data_root, work_dir, **overrides) -> str:
    """Write the shrunk CamVid recipe as a standalone config file.

    Command-line tests pass this file to the tools instead of long
    ``--cfg-options`` (which cannot express lists of dicts).

    Args:
        path: Where to write the ``.py`` config.
        data_root: Folder of a CamVid-layout dataset.
        work_dir: The runs' work dir.
        **overrides: More dotted-key options (see
            :func:`tiny_camvid_cfg_options`), e.g. ``max_iters=2``.

    Returns:
        str: ``path``.
    """
    from mmengine.config import Config
    max_iters = overrides.pop('max_iters', 4)
    interval = overrides.pop('interval', 2)
    cfg = Config.fromfile(str(REPO_ROOT / CAMVID_CONFIG))
    opts = tiny_camvid_cfg_options(data_root, work_dir, max_iters, interval)
    opts.update(overrides)
    cfg.merge_from_dict(opts)
    cfg.dump(str(path))
    return str(path)


def shrink_schedule(cfg, max_iters: int, eta_min: float = 1e-4):
    """Shrink the schedule and runtime of a recipe in place for a tiny run.

    ``max_iters`` iterations with one validation and one checkpoint at the
    end (no best-checkpoint tracking), a poly decay to ``eta_min`` over them,
    a log line per iteration, no visualisation, and a single-process gloo /
    fork environment. The recipe shrinkers of this module and
    :mod:`~mmlabeleff.testing.tiny_demo` end with it.

    Returns:
        Config: ``cfg``.
    """
    cfg.train_cfg.max_iters = max_iters
    cfg.train_cfg.val_interval = max_iters
    cfg.param_scheduler = [dict(type='PolyLR', eta_min=eta_min, power=0.9,
                                begin=0, end=max_iters, by_epoch=False)]
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint.interval = max_iters
    cfg.default_hooks.checkpoint.save_best = None
    cfg.default_hooks.visualization.draw = False
    cfg.env_cfg = dict(cudnn_benchmark=False, mp_cfg=dict(
        mp_start_method='fork', opencv_num_threads=0), dist_cfg=dict(
            backend='gloo'))
    return cfg


def train_subsets(cfg) -> list:
    """The training dataset configs of a recipe: the dataset, or the
    ``datasets`` of a wrapper such as ``MixedSupervisionDataset``."""
    dataset = cfg.train_dataloader.dataset
    if 'datasets' in dataset:
        return list(dataset.datasets.values())
    return [dataset]


def shrink_weak_recipe(cfg, data_root, weak_root, work_dir, max_iters=2,
                       crop_size=(32, 32)):
    """Shrink a CamVid weak-label recipe (e.g. ``configs/blpseg/``) in place
    to a seconds-long run on camvid_tiny and its simulated weak labels
    (every sub-dataset of a mixed-supervision wrapper too).

    The recipe's own pipeline is kept (its random transforms included) with a
    smaller crop; the decode head is narrowed, the backbone is not
    pretrained, loaders have no workers, validation runs once at the end.

    Args:
        cfg (Config): The loaded recipe.
        data_root: camvid_tiny's folder.
        weak_root: Its simulated weak labels.
        work_dir: The run's work dir.
        max_iters (int): Iterations. Defaults to 2.
        crop_size (tuple): Train crop. Defaults to (32, 32).

    Returns:
        Config: ``cfg``.
    """
    for subset in train_subsets(cfg):
        for step in subset.pipeline:
            if 'crop_size' in step:
                step['crop_size'] = crop_size
            if step.get('scale') == (240, 180):
                step['scale'] = (48, 36)
        subset.data_root = str(data_root)
        if 'weak_root' in subset or subset.get('supervision', 'full') != 'full':
            subset.weak_root = str(weak_root)
    cfg.work_dir = str(work_dir)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if 'datasets' not in cfg[loader].dataset:
            cfg[loader].dataset.data_root = str(data_root)
        cfg[loader].num_workers = 0
        cfg[loader].persistent_workers = False
    test_pipeline = cfg.val_dataloader.dataset.pipeline
    for step in test_pipeline:
        if step.get('scale') == (240, 180):
            step['scale'] = (48, 36)
    cfg.train_dataloader.batch_size = 2
    cfg.model.backbone.init_cfg = None
    cfg.model.data_preprocessor.size = crop_size
    cfg.model.decode_head.channels = 16
    return shrink_schedule(cfg, max_iters)


def shrink_pascal_recipe(cfg, data_root, work_dir, max_iters=2,
                         crop_size=(32, 32), self_training_start=1):
    """Shrink a PASCAL VOC / PASCAL-Context ResNet recipe (e.g. the
    ``configs/blpseg/*_r101_*`` ones) in place to a seconds-long run on
    voc_tiny or pascal_context_tiny.

    The recipe's pipelines are kept (random transforms included) with a
    smaller crop and rescale; the backbone becomes a ResNet-18 of 16 base
    channels without pretrained weights and the decode head 16 wide; the
    optimizer wrapper becomes a plain ``OptimWrapper`` (mmengine's
    ``AmpOptimWrapper`` needs a GPU; SyncBN is reverted to BN by the Runner
    of a non-distributed run); a ``SelfTrainingHook`` starts at
    ``self_training_start`` so that a short run also trains on
    self-training targets; loaders have no workers; validation runs once at
    the end.

    Args:
        cfg (Config): The loaded recipe.
        data_root: The tiny dataset's ``data_root`` (every loader's).
        work_dir: The run's work dir.
        max_iters (int): Iterations. Defaults to 2.
        crop_size (tuple): Train crop. Defaults to (32, 32).
        self_training_start (int): ``start_iter`` of the recipe's
            ``SelfTrainingHook``, if any. Defaults to 1.

    Returns:
        Config: ``cfg``.
    """
    for step in cfg.train_dataloader.dataset.pipeline:
        if 'crop_size' in step:
            step['crop_size'] = crop_size
        if step.get('type') in ('mmseg.RandomResize', 'RandomResize'):
            step['scale'] = (48, 48)
    backbone = cfg.model.backbone
    backbone.depth = 18
    backbone.base_channels = 16
    backbone.stem_channels = 16
    backbone.init_cfg = None
    cfg.model.decode_head.in_channels = [16, 32, 64, 128]
    cfg.model.decode_head.channels = 16
    cfg.model.data_preprocessor.size = crop_size
    cfg.optim_wrapper.type = 'OptimWrapper'
    for hook in cfg.get('custom_hooks', None) or []:
        if hook['type'] == 'SelfTrainingHook':
            hook['start_iter'] = self_training_start
    cfg.work_dir = str(work_dir)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = str(data_root)
        cfg[loader].num_workers = 0
        cfg[loader].persistent_workers = False
    cfg.train_dataloader.batch_size = 2
    return shrink_schedule(cfg, max_iters, eta_min=0.0)


def _replace_strings(node, replacements):
    """Copy of a config node with every string's prefixes replaced."""
    if isinstance(node, str):
        for old, new in replacements:
            if node.startswith(old):
                return new + node[len(old):]
        return node
    if isinstance(node, dict):
        return type(node)(
            {k: _replace_strings(v, replacements) for k, v in node.items()})
    if isinstance(node, (list, tuple)):
        return type(node)(_replace_strings(v, replacements) for v in node)
    return node


def shrink_tag_stage(cfg, data_root, weak_root, work_root, max_iters=2,
                     dataset='msrc21'):
    """Shrink a stage of the image-tag pipeline (``configs/irn/``) in place to
    a seconds-long run on msrc21_tiny.

    Every path under the recipe's ``data/<dataset>``, ``data/<dataset>_weak``
    and ``work_dirs/irn_<dataset>`` moves to ``data_root``, ``weak_root``
    and ``work_root``; images are rescaled around 64 pixels, CAM crops are
    32, IRN crops 80 (the pair radius needs 19 columns at stride 4),
    segmenter crops 32; loaders have no workers, batches are 2, backbones are
    not pretrained.

    Returns:
        Config: ``cfg``.
    """
    from mmengine.config import ConfigDict
    replacements = [(f'data/{dataset}_weak', str(weak_root)),
                    (f'data/{dataset}', str(data_root)),
                    (f'work_dirs/irn_{dataset}', str(work_root))]
    for key in list(cfg.keys()):
        cfg[key] = _replace_strings(cfg[key], replacements)
    model_type = cfg.model.type
    crop = {'CAMClassifier': (32, 32), 'IRNet': (80, 80)}.get(model_type, (32, 32))
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if cfg.get(loader):
            cfg[loader].num_workers = 0
            cfg[loader].persistent_workers = False
            for step in cfg[loader].dataset.pipeline:
                if 'crop_size' in step:
                    step['crop_size'] = crop
                if 'scale' in step:
                    step['scale'] = (64, 64)
    cfg.train_dataloader.batch_size = 2
    cfg.model.backbone.init_cfg = None
    if cfg.model.get('data_preprocessor') is not None:
        cfg.model.data_preprocessor.size = crop
    if model_type not in ('CAMClassifier', 'IRNet'):
        cfg.model.decode_head.channels = 16
        cfg.model.decode_head.c1_channels = 8
    cfg.work_dir = str(_replace_strings(cfg.get('work_dir', str(work_root)),
                                        replacements))
    if not cfg.get('val_cfg'):
        cfg.default_hooks.setdefault('checkpoint', ConfigDict())
        cfg.train_cfg.max_iters = max_iters
        cfg.train_cfg.val_interval = max_iters
        cfg.param_scheduler = [dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0,
                                    end=max_iters, by_epoch=False)]
        cfg.default_hooks.logger.interval = 1
        cfg.default_hooks.checkpoint.interval = max_iters
        cfg.default_hooks.visualization.draw = False
        cfg.env_cfg = dict(cudnn_benchmark=False, mp_cfg=dict(
            mp_start_method='fork', opencv_num_threads=0),
            dist_cfg=dict(backend='gloo'))
        return cfg
    return shrink_schedule(cfg, max_iters)


#: Rescales of the semi-supervised recipes and their tiny replacements.
TINY_SCALES = {(240, 180): (48, 36), (500, 500): (48, 48),
               (2048, 1024): (64, 32)}


def _shrink_pipeline(pipeline, crop_size):
    """Smaller crops and scales (:data:`TINY_SCALES`) in a pipeline, its
    MultiBranch branches included (in place)."""
    for step in pipeline:
        if 'crop_size' in step:
            step['crop_size'] = crop_size
        if tuple(step.get('scale') or ()) in TINY_SCALES:
            step['scale'] = TINY_SCALES[tuple(step['scale'])]
        if step.get('type') == 'mmdet.MultiBranch':
            for key, branch in step.items():
                if key != 'branch_field' and isinstance(branch, list):
                    _shrink_pipeline(branch, crop_size)


def shrink_semi_recipe(cfg, data_root, split_root, work_dir, max_iters=2,
                       crop_size=(32, 32)):
    """Shrink a CamVid semi-supervised recipe (``configs/semi_supervised/``)
    in place to a seconds-long run on camvid_tiny.

    Split files named ``../camvid_semi/<split>/...`` (under the recipe's
    data root) are read from ``split_root/<split>/...`` instead (written by
    :func:`mmlabeleff.datasets.semi_splits.camvid_splits`); batches hold 2
    labelled + 2 unlabelled crops; the segmentor is narrowed and not
    pretrained. Supervised-only recipes (a plain segmentor) are shrunk
    alike.

    Args:
        cfg (Config): The loaded recipe.
        data_root: camvid_tiny's folder.
        split_root: Folder of the tiny semi splits.
        work_dir: The run's work dir.
        max_iters (int): Iterations. Defaults to 2.
        crop_size (tuple): Train crop. Defaults to (32, 32).

    Returns:
        Config: ``cfg``.
    """
    prefix = '../camvid_semi/'
    dataset = cfg.train_dataloader.dataset
    subsets = dataset.datasets if 'datasets' in dataset else [dataset]
    for subset in subsets:
        subset.data_root = str(data_root)
        if subset.ann_file.startswith(prefix):
            subset.ann_file = str(split_root) + '/' + \
                subset.ann_file[len(prefix):]
        _shrink_pipeline(subset.pipeline, crop_size)
    if 'datasets' in dataset:
        cfg.train_dataloader.batch_size = 4
        cfg.train_dataloader.sampler.batch_size = 4
        cfg.train_dataloader.sampler.source_ratio = [2, 2]
    else:
        cfg.train_dataloader.batch_size = 2
    cfg.work_dir = str(work_dir)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].num_workers = 0
        cfg[loader].persistent_workers = False
    for loader in ('val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = str(data_root)
        _shrink_pipeline(cfg[loader].dataset.pipeline, crop_size)
    segmentor = cfg.model.segmentor if 'segmentor' in cfg.model else cfg.model
    segmentor.backbone.init_cfg = None
    segmentor.data_preprocessor.size = crop_size
    segmentor.decode_head.channels = 16
    segmentor.decode_head.c1_channels = 8
    return shrink_schedule(cfg, max_iters)


def shrink_semi_r101_recipe(cfg, data_root, labeled_split, unlabeled_split,
                            work_dir, max_iters=1, crop_size=(32, 32)):
    """Shrink a PASCAL VOC / Cityscapes semi-supervised recipe
    (``configs/semi_supervised/*/*_r101-d16_*``) in place to a seconds-long
    run on voc_tiny or cityscapes_tiny.

    The pipelines are kept with smaller crops and scales; the ResNet-101
    becomes a ResNet-18 of 16 base channels without pretrained weights (its
    strides and dilations kept) and the DeepLabV3+ head 16 wide, evaluated
    on whole images; batches hold 2 labelled + 2 unlabelled crops (2
    labelled for a supervised-only recipe).

    Args:
        cfg (Config): The loaded recipe.
        data_root: The tiny data set's folder (every loader's).
        labeled_split: Split file of the labelled images.
        unlabeled_split: Split file of the unlabelled images.
        work_dir: The run's work dir.
        max_iters (int): Iterations. Defaults to 1.
        crop_size (tuple): Train crop. Defaults to (32, 32).

    Returns:
        Config: ``cfg``.
    """
    dataset = cfg.train_dataloader.dataset
    subsets = dataset.datasets if 'datasets' in dataset else [dataset]
    for subset, split in zip(subsets, (labeled_split, unlabeled_split)):
        subset.update(data_root=str(data_root), ann_file=str(split))
        _shrink_pipeline(subset.pipeline, crop_size)
    if 'datasets' in dataset:
        cfg.train_dataloader.batch_size = 4
        cfg.train_dataloader.sampler.batch_size = 4
        cfg.train_dataloader.sampler.source_ratio = [2, 2]
    else:
        cfg.train_dataloader.batch_size = 2
    for loader in ('val_dataloader', 'test_dataloader'):
        cfg[loader].dataset.data_root = str(data_root)
        _shrink_pipeline(cfg[loader].dataset.pipeline, crop_size)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].num_workers = 0
        cfg[loader].persistent_workers = False
    cfg.work_dir = str(work_dir)
    segmentor = cfg.model.segmentor if 'segmentor' in cfg.model else cfg.model
    segmentor.backbone.update(depth=18, base_channels=16, stem_channels=16,
                              init_cfg=None)
    segmentor.decode_head.update(in_channels=128, c1_in_channels=16,
                                 channels=16, c1_channels=8)
    segmentor.data_preprocessor.size = crop_size
    segmentor.test_cfg = dict(mode='whole')
    outer = cfg.model.get('data_preprocessor') or {}
    if 'data_preprocessor' in outer:  # mmdet.MultiBranchDataPreprocessor
        outer.data_preprocessor.size = crop_size
    return shrink_schedule(cfg, max_iters, eta_min=0.0)
