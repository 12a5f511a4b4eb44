"""High-level entry points behind the command-line tools.

Building the Runner config of a training or test run from a config file and
command-line options (:mod:`.config`), running it (:mod:`.runner`), and
building a trained model to draw its predictions (:mod:`.inference`), drawing
what a semi-supervised step trains on (:mod:`.semi_batch`), and
comparing a weak-label run with a fully supervised one (:mod:`.weak_vs_full`).
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
from .pipeline import PipelineStep, load_pipeline, plan_pipeline, run_pipeline
from .runner import build_runner, run_test, run_train
from .semi_batch import (
    draw_semi_batch,
    normalized_to_rgb,
    pseudo_label_map,
    semi_batch_views,
)
from .weak_vs_full import (
    GRID_COLUMNS,
    build_weak_label_view,
    draw_weak_label_grid,
    evaluate_miou,
    format_summary_table,
    labelled_pixel_fraction,
    run_summary,
    summarize_weak_vs_full,
)

__all__ = [
    'CONFIG_SAVE_SUFFIXES', 'load_config', 'save_config', 'default_work_dir',
    'enable_amp', 'trigger_visualization_hook', 'build_train_config',
    'build_test_config', 'build_runner', 'run_train', 'run_test', 'init_model',
    'predict_item', 'colorize', 'draw_prediction_grid', 'evaluate_miou',
    'labelled_pixel_fraction', 'build_weak_label_view',
    'draw_weak_label_grid', 'run_summary', 'summarize_weak_vs_full',
    'format_summary_table', 'GRID_COLUMNS', 'PipelineStep', 'load_pipeline',
    'plan_pipeline', 'run_pipeline', 'normalized_to_rgb', 'pseudo_label_map',
    'semi_batch_views', 'draw_semi_batch'
]
