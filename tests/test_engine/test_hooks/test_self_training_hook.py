"""SelfTrainingHook flips the head's flag at its iteration, also on resume."""
from types import SimpleNamespace

import pytest
import torch.nn as nn

from mmlabeleff.engine.hooks import SelfTrainingHook


class _Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.self_training = False


class _Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.decode_head = _Head()


class _Logger:
    def __init__(self):
        self.lines = []

    def info(self, line):
        self.lines.append(line)


def _runner(iteration):
    return SimpleNamespace(model=_Model(), iter=iteration, logger=_Logger())


def test_switches_at_start_iter():
    hook = SelfTrainingHook(start_iter=3)
    runner = _runner(0)
    hook.before_train(runner)
    states = []
    for it in range(6):
        runner.iter = it
        hook.before_train_iter(runner, it)
        states.append(runner.model.decode_head.self_training)
    assert states == [False, False, False, True, True, True]
    assert len(runner.logger.lines) == 1 and 'iteration 3' in runner.logger.lines[0]


def test_resumed_run_starts_switched():
    hook = SelfTrainingHook(start_iter=3)
    runner = _runner(10)
    hook.before_train_iter(runner, 0)
    assert runner.model.decode_head.self_training


def test_errors_name_the_module():
    hook = SelfTrainingHook(start_iter=0)
    runner = SimpleNamespace(model=nn.Module(), iter=0, logger=_Logger())
    with pytest.raises(AttributeError, match='decode_head'):
        hook.before_train(runner)
    model = nn.Module()
    model.decode_head = nn.Module()  # no flag
    runner = SimpleNamespace(model=model, iter=0, logger=_Logger())
    with pytest.raises(AttributeError, match='self_training'):
        hook.before_train(runner)
    with pytest.raises(ValueError):
        SelfTrainingHook(start_iter=-1)


def test_dotted_module_path():
    model = nn.Module()
    model.inner = _Model()
    runner = SimpleNamespace(model=model, iter=5, logger=_Logger())
    SelfTrainingHook(2, module='inner.decode_head').before_train_iter(runner, 0)
    assert model.inner.decode_head.self_training
