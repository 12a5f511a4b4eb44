"""Build the Runner config of a training or test run from a config file.

The logic of ``tools/train.py`` and ``tools/test.py`` (and of the tools that
only load a config): load the file, merge ``--cfg-options``, choose the work
dir, switch on AMP, resume, test-time augmentation and the visualization
hook. The options follow mmsegmentation 1.x's tools, so the same command
lines give the same configs.
"""
import logging
import os.path as osp
from typing import Optional

import torch
from mmengine.config import Config
from mmengine.fileio import dump
from mmengine.logging import print_log

from mmlabeleff.utils.atomic_io import write_text_atomic

__all__ = [
    'CONFIG_SAVE_SUFFIXES', 'load_config', 'save_config', 'default_work_dir',
    'enable_amp', 'trigger_visualization_hook', 'build_train_config',
    'build_test_config'
]

#: File suffixes :func:`save_config` can write (the suffix picks the format).
CONFIG_SAVE_SUFFIXES = ('.py', '.json', '.yml', '.yaml')


def _check_file(path: str, what: str) -> None:
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: {what} file not found')


def load_config(config: str,
                cfg_options: Optional[dict] = None,
                launcher: Optional[str] = None) -> Config:
    """Load a config file and merge command-line overrides into it.

    Args:
        config (str): Path of the config file (``_base_`` inheritance,
            including ``mmseg::`` package bases, is resolved).
        cfg_options (dict, optional): Dotted keys to values, as parsed by
            :class:`mmengine.config.DictAction` from ``--cfg-options``.
        launcher (str, optional): Set as ``cfg.launcher`` before the
            overrides are merged (as mmseg's tools do).

    Returns:
        Config: The merged config.

    Raises:
        FileNotFoundError: If ``config`` does not exist (named in the
            message).
    """
    _check_file(config, 'config')
    cfg = Config.fromfile(config)
    if launcher is not None:
        cfg.launcher = launcher
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def save_config(cfg: Config, save_path: str) -> None:
    """Write a config in the format its suffix selects, atomically.

    The text is rendered as :meth:`mmengine.Config.dump` does (Python
    source for ``.py``, else JSON / YAML of ``cfg.to_dict()``) and written
    with :func:`mmlabeleff.utils.atomic_io.write_text_atomic`, so a partial
    file never appears at ``save_path``.

    Args:
        cfg (Config): The config to save.
        save_path (str): Destination; its suffix is one of
            :data:`CONFIG_SAVE_SUFFIXES`.

    Raises:
        ValueError: If the suffix is not supported (nothing is written).
    """
    suffix = osp.splitext(save_path)[1].lower()
    if suffix not in CONFIG_SAVE_SUFFIXES:
        raise ValueError(
            f'{save_path}: the file name must end with one of '
            f'{", ".join(CONFIG_SAVE_SUFFIXES)}')
    if suffix == '.py':
        text = cfg.pretty_text
    else:
        text = dump(cfg.to_dict(), file_format=suffix[1:])
    write_text_atomic(save_path, text)


def default_work_dir(config: str) -> str:
    """``./work_dirs/<config file name without suffix>`` (mmseg's default).

    Args:
        config (str): Path of the config file.

    Returns:
        str: The default work dir, relative to the current folder.
    """
    return osp.join('./work_dirs', osp.splitext(osp.basename(config))[0])


def _set_work_dir(cfg: Config, config: str, work_dir: Optional[str]) -> None:
    """The work dir: command line > config > :func:`default_work_dir`."""
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = default_work_dir(config)


def enable_amp(cfg: Config) -> Config:
    """Switch the optimizer wrapper to mmengine's ``AmpOptimWrapper``.

    Args:
        cfg (Config): The config, modified in place.

    Returns:
        Config: ``cfg``.

    Raises:
        RuntimeError: If no GPU is available (``AmpOptimWrapper`` supports
            CUDA / NPU / MLU devices only), or if the config uses an
            optimizer wrapper other than ``OptimWrapper``.
    """
    if not torch.cuda.is_available():
        raise RuntimeError(
            '--amp needs a GPU: mmengine\'s AmpOptimWrapper supports '
            'CUDA/NPU/MLU devices only.')
    optim_wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
    if optim_wrapper == 'AmpOptimWrapper':
        print_log(
            'AMP training is already enabled in your config.',
            logger='current',
            level=logging.WARNING)
        return cfg
    if optim_wrapper != 'OptimWrapper':
        raise RuntimeError(
            '`--amp` is only supported when the optimizer wrapper type is '
            f'`OptimWrapper` but got {optim_wrapper}.')
    cfg.optim_wrapper.type = 'AmpOptimWrapper'
    cfg.optim_wrapper.loss_scale = 'dynamic'
    return cfg


def trigger_visualization_hook(cfg: Config,
                               show: bool = False,
                               show_dir: Optional[str] = None,
                               wait_time: float = 2) -> Config:
    """Make the visualization hook draw every test image.

    Args:
        cfg (Config): The config, modified in place.
        show (bool): Also show each image in a window. Defaults to False.
        show_dir (str, optional): Folder where the painted images are saved
            (the visualizer's ``save_dir``; the images land under
            ``vis_data/vis_image/``).
        wait_time (float): Seconds each shown image stays. Defaults to 2.

    Returns:
        Config: ``cfg``.

    Raises:
        RuntimeError: If ``default_hooks`` has no ``visualization`` hook.
    """
    default_hooks = cfg.default_hooks
    if 'visualization' not in default_hooks:
        raise RuntimeError(
            'VisualizationHook must be included in default_hooks; refer to '
            'usage "visualization=dict(type=\'mmseg.SegVisualizationHook\')"')
    visualization_hook = default_hooks['visualization']
    visualization_hook['draw'] = True
    # draw every test image (mmseg's hook draws every 50th by default)
    visualization_hook['interval'] = 1
    if show:
        visualization_hook['show'] = True
        visualization_hook['wait_time'] = wait_time
    if show_dir:
        cfg.visualizer['save_dir'] = show_dir
    return cfg


def build_train_config(config: str,
                       work_dir: Optional[str] = None,
                       cfg_options: Optional[dict] = None,
                       launcher: str = 'none',
                       amp: bool = False,
                       resume: bool = False) -> Config:
    """The Runner config of ``tools/train.py``.

    Args:
        config (str): Path of the config file.
        work_dir (str, optional): Overrides the config's ``work_dir``; when
            neither gives one, :func:`default_work_dir` is used.
        cfg_options (dict, optional): Overrides, merged after loading.
        launcher (str): ``'none'``, ``'pytorch'``, ``'slurm'`` or ``'mpi'``.
            Defaults to ``'none'``.
        amp (bool): Train with automatic mixed precision (see
            :func:`enable_amp`). Defaults to False.
        resume (bool): Resume from the latest checkpoint of the work dir;
            a config's own ``resume=True`` is kept. Defaults to False.

    Returns:
        Config: The config to pass to :meth:`mmengine.runner.Runner.from_cfg`.

    Raises:
        FileNotFoundError: If ``config`` does not exist.
        RuntimeError: If ``amp`` is asked for but unavailable.
    """
    cfg = load_config(config, cfg_options, launcher)
    _set_work_dir(cfg, config, work_dir)
    if amp:
        enable_amp(cfg)
    cfg.resume = resume or cfg.get('resume', False)
    return cfg


def build_test_config(config: str,
                      checkpoint: str,
                      work_dir: Optional[str] = None,
                      cfg_options: Optional[dict] = None,
                      launcher: str = 'none',
                      out: Optional[str] = None,
                      show: bool = False,
                      show_dir: Optional[str] = None,
                      wait_time: float = 2,
                      tta: bool = False) -> Config:
    """The Runner config of ``tools/test.py``.

    Args:
        config (str): Path of the config file.
        checkpoint (str): Checkpoint to evaluate (``load_from``).
        work_dir (str, optional): Where the metrics are dumped as JSON;
            defaults as in :func:`build_train_config`.
        cfg_options (dict, optional): Overrides, merged after loading.
        launcher (str): The job launcher. Defaults to ``'none'``.
        out (str, optional): Folder where the test evaluator saves the
            predicted label maps (PNG).
        show (bool): Show the painted predictions. Defaults to False.
        show_dir (str, optional): Save the painted predictions there (see
            :func:`trigger_visualization_hook`).
        wait_time (float): Seconds each shown image stays. Defaults to 2.
        tta (bool): Test with the config's ``tta_model`` and
            ``tta_pipeline``. Defaults to False.

    Returns:
        Config: The config to pass to :meth:`mmengine.runner.Runner.from_cfg`.

    Raises:
        FileNotFoundError: If ``config`` or ``checkpoint`` does not exist.
        RuntimeError: If ``show`` / ``show_dir`` is given and the config has
            no visualization hook.
    """
    _check_file(config, 'config')
    _check_file(checkpoint, 'checkpoint')
    cfg = load_config(config, cfg_options, launcher)
    _set_work_dir(cfg, config, work_dir)
    cfg.load_from = checkpoint
    if show or show_dir:
        trigger_visualization_hook(cfg, show, show_dir, wait_time)
    if tta:
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model
    if out is not None:
        cfg.test_evaluator['output_dir'] = out
        cfg.test_evaluator['keep_results'] = True
    return cfg
