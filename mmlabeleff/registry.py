"""Registries of mmlabeleff, children of mmengine's root registries.

Modules of mmlabeleff are found by their class name under
``default_scope='mmlabeleff'``; upstream modules are written with their scope
prefix (``mmseg.EncoderDecoder``, ``mmdet.MultiBranch``,
``mmpretrain.ResNet``), which mmengine resolves through the shared root
registries. ``locations`` lists the packages imported lazily the first time a
registry is searched, so that ``import mmlabeleff`` stays light.

Each registry lists in ``locations`` the mmlabeleff packages that register
into it; registries without an entry yet serve the ``mmlabeleff`` scope's
lookups of upstream modules.

The shape follows mmseg's ``mmseg/registry/registry.py`` and mmyolo's
``mmyolo/registry.py`` (both Apache-2.0).
"""
from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import INFERENCERS as MMENGINE_INFERENCERS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import (
    OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS,
)
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import RUNNER_CONSTRUCTORS as MMENGINE_RUNNER_CONSTRUCTORS
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import TASK_UTILS as MMENGINE_TASK_UTILS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import WEIGHT_INITIALIZERS as MMENGINE_WEIGHT_INITIALIZERS
from mmengine.registry import Registry

# Runners and their constructors (mmlabeleff adds none; kept for scope lookup).
RUNNERS = Registry('runner', parent=MMENGINE_RUNNERS)
RUNNER_CONSTRUCTORS = Registry(
    'runner constructor', parent=MMENGINE_RUNNER_CONSTRUCTORS)
# Loops (teacher-student validation, multi-stage schedules).
LOOPS = Registry(
    'loop', parent=MMENGINE_LOOPS, locations=['mmlabeleff.engine.runner'])
# Hooks (teacher updates, pseudo-label refresh, visualisation).
HOOKS = Registry(
    'hook', parent=MMENGINE_HOOKS, locations=['mmlabeleff.engine.hooks'])

# Datasets, samplers and data transforms.
DATASETS = Registry(
    'dataset', parent=MMENGINE_DATASETS, locations=['mmlabeleff.datasets'])
DATA_SAMPLERS = Registry(
    'data sampler',
    parent=MMENGINE_DATA_SAMPLERS)
TRANSFORMS = Registry(
    'transform',
    parent=MMENGINE_TRANSFORMS,
    locations=['mmlabeleff.datasets.transforms'])

# Models: backbones, heads, losses, segmentors, data preprocessors.
MODELS = Registry('model', parent=MMENGINE_MODELS, locations=['mmlabeleff.models'])
MODEL_WRAPPERS = Registry(
    'model_wrapper', parent=MMENGINE_MODEL_WRAPPERS, locations=['mmlabeleff.models'])
WEIGHT_INITIALIZERS = Registry(
    'weight initializer',
    parent=MMENGINE_WEIGHT_INITIALIZERS,
    locations=['mmlabeleff.models'])

# Optimisation.
OPTIMIZERS = Registry(
    'optimizer', parent=MMENGINE_OPTIMIZERS)
OPTIM_WRAPPERS = Registry(
    'optim_wrapper', parent=MMENGINE_OPTIM_WRAPPERS)
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer wrapper constructor',
    parent=MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS)
PARAM_SCHEDULERS = Registry(
    'parameter scheduler',
    parent=MMENGINE_PARAM_SCHEDULERS)

# Evaluation.
METRICS = Registry(
    'metric', parent=MMENGINE_METRICS,
    locations=['mmlabeleff.evaluation.metrics'])
EVALUATOR = Registry(
    'evaluator', parent=MMENGINE_EVALUATOR)

# Task utilities (pseudo-labelers: CAM thresholds, random walk, dense CRF).
TASK_UTILS = Registry(
    'task util',
    parent=MMENGINE_TASK_UTILS,
    locations=['mmlabeleff.models.pseudo_labelers'])

# Visualisation.
VISUALIZERS = Registry(
    'visualizer',
    parent=MMENGINE_VISUALIZERS,
    locations=['mmlabeleff.visualization'])
VISBACKENDS = Registry(
    'vis_backend',
    parent=MMENGINE_VISBACKENDS)
LOG_PROCESSORS = Registry(
    'log_processor',
    parent=MMENGINE_LOG_PROCESSORS)

# Inferencers.
INFERENCERS = Registry(
    'inferencer', parent=MMENGINE_INFERENCERS)

__all__ = [
    'RUNNERS', 'RUNNER_CONSTRUCTORS', 'LOOPS', 'HOOKS', 'DATASETS',
    'DATA_SAMPLERS', 'TRANSFORMS', 'MODELS', 'MODEL_WRAPPERS',
    'WEIGHT_INITIALIZERS', 'OPTIMIZERS', 'OPTIM_WRAPPERS',
    'OPTIM_WRAPPER_CONSTRUCTORS', 'PARAM_SCHEDULERS', 'METRICS', 'EVALUATOR',
    'TASK_UTILS', 'VISUALIZERS', 'VISBACKENDS', 'LOG_PROCESSORS', 'INFERENCERS'
]
