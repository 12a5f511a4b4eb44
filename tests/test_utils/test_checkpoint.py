"""Full mmengine checkpoints load with weights_only=True; resume is exact."""
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.runner import CheckpointLoader, Runner

from mmlabeleff.utils import UnsafeCheckpointError, load_checkpoint_safely


class Gadget:
    """An arbitrary class: pickling it into a checkpoint must be refused."""

    def __init__(self):
        self.payload = 'anything'


def _train(cfg):
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner


def _lr(runner):
    return runner.optim_wrapper.get_lr()['lr'][0]


@pytest.fixture(scope='module')
def resume_runs(tmp_path_factory, camvid_tiny_root):
    """Train 6 iterations straight; train 4, then resume to 6."""
    from mmengine.config import Config

    from mmlabeleff.testing.tiny_configs import (
        CAMVID_CONFIG,
        REPO_ROOT,
        tiny_camvid_cfg_options,
    )
    root = tmp_path_factory.mktemp('resume')

    def cfg(work_dir, max_iters, **extra):
        c = Config.fromfile(str(REPO_ROOT / CAMVID_CONFIG))
        c.merge_from_dict(tiny_camvid_cfg_options(camvid_tiny_root, work_dir,
                                                  max_iters=max_iters))
        c.merge_from_dict(extra)
        return c

    straight = _train(cfg(root / 'straight', 6))
    straight_state = {k: v.clone() for k, v in straight.model.state_dict().items()}
    stopped = _train(cfg(root / 'stopped', 4))
    ckpt = osp.join(root, 'stopped', 'iter_4.pth')
    assert osp.isfile(ckpt)
    resumed_runner = Runner.from_cfg(
        cfg(root / 'resumed', 6, resume=True, load_from=ckpt))
    return dict(straight=straight, straight_state=straight_state,
                stopped=stopped, ckpt=ckpt, resumed=resumed_runner)


def test_full_checkpoint_loads_with_weights_only(resume_runs):
    ckpt = load_checkpoint_safely(resume_runs['ckpt'])
    assert {'meta', 'state_dict', 'optimizer', 'param_schedulers',
            'message_hub'} <= set(ckpt)
    assert ckpt['meta']['iter'] == 4
    # the message hub really holds HistoryBuffers (the reason for the list)
    buffers = ckpt['message_hub']['log_scalars']
    assert type(buffers['train/loss']).__name__ == 'HistoryBuffer'


def test_plain_torch_load_needs_the_allow_list(resume_runs):
    # In a fresh interpreter without the allow-list, torch>=2.6 refuses the
    # file: the allow-list is what makes resume work.
    code = ('import sys, torch\n'
            'try:\n'
            '    torch.load(sys.argv[1], weights_only=True)\n'
            'except Exception as e:\n'
            '    print(type(e).__name__, e)\n'
            '    sys.exit(3)\n')
    proc = subprocess.run([sys.executable, '-c', code, resume_runs['ckpt']],
                          capture_output=True, text=True)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert 'HistoryBuffer' in proc.stdout


def test_resume_continues_at_the_right_iteration_lr_and_state(resume_runs):
    runner = resume_runs['resumed']
    runner.train()  # resumes at iteration 4 and trains to 6
    assert runner.iter == 6
    straight = resume_runs['straight']
    assert _lr(runner) == pytest.approx(_lr(straight), rel=1e-9)
    # identical data order and schedule: resumed weights equal straight ones
    for key, value in runner.model.state_dict().items():
        torch.testing.assert_close(
            value, resume_runs['straight_state'][key], rtol=1e-4, atol=1e-5,
            msg=f'{key} differs after resume')
    # the optimizer state (momentum buffers) continued as well
    opt_resumed = runner.optim_wrapper.optimizer.state_dict()['state']
    opt_straight = straight.optim_wrapper.optimizer.state_dict()['state']
    assert opt_resumed.keys() == opt_straight.keys()
    for idx in list(opt_resumed)[:5]:
        torch.testing.assert_close(
            opt_resumed[idx]['momentum_buffer'],
            opt_straight[idx]['momentum_buffer'], rtol=1e-4, atol=1e-5)


def test_resume_state_right_after_loading(resume_runs, tmp_path):
    runner = resume_runs['stopped']
    ckpt = load_checkpoint_safely(resume_runs['ckpt'])
    # lr saved in the checkpoint is the one the stopped run ended with
    saved_lr = ckpt['optimizer']['param_groups'][0]['lr']
    assert saved_lr == pytest.approx(_lr(runner))


def test_arbitrary_pickled_object_is_refused(tmp_path):
    path = str(tmp_path / 'evil.pth')
    torch.save({'state_dict': {'w': torch.ones(1)}, 'meta': {'x': Gadget()}},
               path)
    with pytest.raises(UnsafeCheckpointError) as info:
        load_checkpoint_safely(path)
    message = str(info.value)
    assert path in message and 'Gadget' in message
    # the Runner's loader path (CheckpointLoader) refuses it the same way
    with pytest.raises(UnsafeCheckpointError):
        CheckpointLoader.load_checkpoint(path, map_location='cpu')


def test_missing_checkpoint_names_the_file(tmp_path):
    path = str(tmp_path / 'nope.pth')
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        load_checkpoint_safely(path)


class _AskForInit:
    """Pickles as getattr(HistoryBuffer, '__init__'): not a statistics method."""

    def __reduce__(self):
        from mmengine.logging.history_buffer import HistoryBuffer
        return getattr, (HistoryBuffer, '__init__')


def test_getattr_is_limited_to_history_buffer_statistics(tmp_path):
    path = str(tmp_path / 'getattr.pth')
    torch.save({'meta': {'f': _AskForInit()}}, path)
    with pytest.raises(Exception, match="getattr\\(HistoryBuffer, '__init__'\\)"):
        load_checkpoint_safely(path)


@pytest.mark.parametrize('kind', ['empty', 'truncated', 'random', 'text'])
def test_unreadable_file_is_a_clear_error(tmp_path, kind):
    from mmlabeleff.utils import CorruptCheckpointError
    good = tmp_path / 'good.pth'
    torch.save({'state_dict': {'w': torch.ones(8)}}, str(good))
    data = good.read_bytes()
    content = {'empty': b'', 'truncated': data[:len(data) // 2],
               'random': bytes(range(7, 107)), 'text': b'hello world\n'}[kind]
    path = tmp_path / f'{kind}.pth'
    path.write_bytes(content)
    with pytest.raises(CorruptCheckpointError) as info:
        load_checkpoint_safely(str(path))
    message = str(info.value)
    assert str(path) in message and 'not a readable PyTorch checkpoint' in message
    if kind == 'empty':
        assert 'the file is empty' in message
    # the Runner's loader path gives the same error
    with pytest.raises(CorruptCheckpointError):
        CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    # a good file still loads
    assert torch.equal(load_checkpoint_safely(str(good))['state_dict']['w'],
                       torch.ones(8))
