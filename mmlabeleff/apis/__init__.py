"""High-level entry points behind the command-line tools.

Building the Runner config of a training or test run from a config file and
command-line options (:mod:`.config`), running it (:mod:`.runner`), and
building a trained model to draw its predictions (:mod:`.inference`).
"""
from .config import (
    CONFIG_SAVE_SUFFIXES,
    build_test_config,
    build_train_config,
    default_work_dir,
    enable_amp,
    load_config,
    save_config,
    trigger_visualization_hook,
)
from .inference import colorize, draw_prediction_grid, init_model, predict_item
from .runner import build_runner, run_test, run_train

__all__ = [
    'CONFIG_SAVE_SUFFIXES', 'load_config', 'save_config', 'default_work_dir',
    'enable_amp', 'trigger_visualization_hook', 'build_train_config',
    'build_test_config', 'build_runner', 'run_train', 'run_test', 'init_model',
    'predict_item', 'colorize', 'draw_prediction_grid'
]
