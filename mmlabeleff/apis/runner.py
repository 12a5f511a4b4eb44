"""Run a training or a test with mmengine's Runner, as the tools do.

Shared by ``tools/train.py`` and ``tools/test.py``: register mmlabeleff's
modules, prepare a CPU process group when launched by torchrun on a machine
without a GPU (:func:`mmlabeleff.utils.setup_cpu_distributed`), build the
Runner from the config (so a custom ``runner_type`` is honoured) and tear
the process group down at the end, also after an error.
"""
from typing import Callable

from mmengine.config import Config
from mmengine.runner import Runner

from mmlabeleff.utils import (
    register_all_modules,
    setup_cpu_distributed,
    teardown_distributed,
)

__all__ = ['build_runner', 'run_train', 'run_test']


def build_runner(cfg: Config) -> Runner:
    """Build the Runner of a config made by ``build_{train,test}_config``.

    Registers mmlabeleff's (and mmseg's) modules without changing the
    default scope, and sets up CPU distributed training when
    ``cfg.launcher`` is ``'pytorch'`` and no GPU is present.

    Args:
        cfg (Config): The config (modified in place by the CPU distributed
            setup: gloo backend, DDP without ``device_ids``).

    Returns:
        Runner: Built with :meth:`Runner.from_cfg`.
    """
    register_all_modules(init_default_scope=False)
    setup_cpu_distributed(cfg, cfg.get('launcher', 'none'))
    return Runner.from_cfg(cfg)


def _run(cfg: Config, step: Callable[[Runner], object]):
    try:
        result = step(build_runner(cfg))
    except BaseException:
        teardown_distributed(success=False)
        raise
    teardown_distributed()
    return result


def run_train(cfg: Config):
    """Train with the config (``tools/train.py``).

    Args:
        cfg (Config): See :func:`mmlabeleff.apis.build_train_config`.

    Returns:
        torch.nn.Module: The trained model, as :meth:`Runner.train` returns.
    """
    return _run(cfg, lambda runner: runner.train())


def run_test(cfg: Config) -> dict:
    """Evaluate the config's ``load_from`` checkpoint (``tools/test.py``).

    Args:
        cfg (Config): See :func:`mmlabeleff.apis.build_test_config`.

    Returns:
        dict: The test metrics, as :meth:`Runner.test` returns.
    """
    return _run(cfg, lambda runner: runner.test())
