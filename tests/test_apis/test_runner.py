"""Tests of :mod:`mmlabeleff.apis.runner` (running a config as the tools do)."""
import pytest
from mmengine.runner import Runner

import mmlabeleff.apis.runner as runner_module
from mmlabeleff.apis import build_runner, run_test, run_train


class _FakeRunner:
    """Records the calls; ``fail`` makes them raise."""

    def __init__(self, fail=False):
        self.fail = fail
        self.calls = []

    def _step(self, name, result):
        self.calls.append(name)
        if self.fail:
            raise KeyboardInterrupt(name)
        return result

    def train(self):
        return self._step('train', 'model')

    def test(self):
        return self._step('test', {'mIoU': 42.0})


@pytest.fixture
def fake(monkeypatch):
    """Replace the Runner and the teardown by recorders."""
    state = dict(runner=_FakeRunner(), teardowns=[])
    monkeypatch.setattr(runner_module, 'build_runner',
                        lambda cfg: state['runner'])
    monkeypatch.setattr(runner_module, 'teardown_distributed',
                        lambda success=True: state['teardowns'].append(success))
    return state


def test_run_train_and_test_return_the_runners_results(fake):
    assert run_train(None) == 'model'
    assert run_test(None) == {'mIoU': 42.0}
    assert fake['runner'].calls == ['train', 'test']
    assert fake['teardowns'] == [True, True]


def test_an_error_tears_down_without_barrier_and_propagates(fake):
    fake['runner'] = _FakeRunner(fail=True)
    with pytest.raises(KeyboardInterrupt):
        run_train(None)
    with pytest.raises(KeyboardInterrupt):
        run_test(None)
    assert fake['teardowns'] == [False, False]


def test_build_runner_from_the_tiny_recipe(tiny_camvid_cfg, tmp_path):
    cfg = tiny_camvid_cfg(work_dir=tmp_path / 'work')
    cfg.launcher = 'none'
    runner = build_runner(cfg)
    assert isinstance(runner, Runner)
    assert runner.launcher == 'none' and not runner.distributed
    assert 'model_wrapper_cfg' not in cfg  # no CPU DDP set-up without launcher
    assert runner.work_dir == str(tmp_path / 'work')
    assert type(runner.model).__name__ == 'EncoderDecoder'


def test_two_runners_in_one_process_write_into_their_own_work_dirs(
        tiny_camvid_cfg, tmp_path):
    # the default runtime leaves the visualizer unnamed, so each Runner
    # names its own after the experiment (a fixed name made the second
    # Runner reuse the first one's visualizer and its save directory)
    runners = []
    for name in ('first', 'second'):
        cfg = tiny_camvid_cfg(work_dir=tmp_path / name)
        cfg.launcher = 'none'
        cfg.experiment_name = name
        runners.append(build_runner(cfg))
    assert runners[0].visualizer is not runners[1].visualizer
    for name, runner in zip(('first', 'second'), runners):
        runner.visualizer.add_config(runner.cfg)
        written = list((tmp_path / name).rglob('vis_data/config.py'))
        assert len(written) == 1
