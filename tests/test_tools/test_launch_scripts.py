"""Tests of the shell launchers in ``tools/`` (no real launch happens).

A fake ``python`` (through ``$PYTHON``) and a fake ``srun`` (first on
``$PATH``) record the command line and environment they receive.
"""
import os
import os.path as osp
import stat
import subprocess

import pytest

from mmlabeleff.testing.script_loader import REPO_ROOT

ROOT = str(REPO_ROOT)
# the launchers' default interpreter: the project's venv when it exists
_VENV_PY = osp.join(ROOT, '.venv', 'bin', 'python')
DEFAULT_PY = _VENV_PY if os.access(_VENV_PY, os.X_OK) else 'python'
TOOLS = osp.join(ROOT, 'tools')
SCRIPTS = ['dist_train.sh', 'dist_test.sh', 'slurm_train.sh', 'slurm_test.sh']

RECORDER = """#!/usr/bin/env bash
printf '%s\\n' "$@" > "{log}"
printf '%s\\n' "$PYTHONPATH" > "{log}.pythonpath"
"""


def _fake(path, log):
    path.write_text(RECORDER.format(log=log))
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def _run(script, *args, env=None):
    full_env = {k: v for k, v in os.environ.items()
                if k not in ('NNODES', 'NODE_RANK', 'PORT', 'MASTER_ADDR',
                             'GPUS', 'GPUS_PER_NODE', 'CPUS_PER_TASK',
                             'SRUN_ARGS', 'PYTHON', 'PYTHONPATH')}
    full_env.update(env or {})
    return subprocess.run(['bash', osp.join(TOOLS, script), *args],
                          env=full_env,
                          capture_output=True,
                          text=True,
                          timeout=30)


def _logged(log):
    with open(log) as f:
        args = f.read().splitlines()
    with open(f'{log}.pythonpath') as f:
        pythonpath = f.read().strip()
    return args, pythonpath


@pytest.mark.parametrize('script', SCRIPTS)
def test_syntax(script):
    result = subprocess.run(['bash', '-n', osp.join(TOOLS, script)],
                            capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize('script', SCRIPTS)
def test_usage_without_arguments(script):
    result = _run(script)
    assert result.returncode == 2
    assert 'usage' in result.stderr


def test_dist_train(tmp_path):
    log = tmp_path / 'args'
    python = _fake(tmp_path / 'python', log)
    result = _run('dist_train.sh', 'cfg.py', '2', '--work-dir', 'w dir',
                  '--amp', env=dict(PYTHON=str(python), PYTHONPATH='/extra'))
    assert result.returncode == 0, result.stderr
    args, pythonpath = _logged(log)
    assert args == [
        '-m', 'torch.distributed.run', '--nnodes=1', '--node_rank=0',
        '--master_addr=127.0.0.1', '--nproc_per_node=2',
        '--master_port=29500',
        osp.join(TOOLS, 'train.py'), 'cfg.py', '--launcher', 'pytorch',
        '--work-dir', 'w dir', '--amp'
    ]
    assert pythonpath == f'{ROOT}:/extra'


def test_dist_test_multi_node(tmp_path):
    log = tmp_path / 'args'
    python = _fake(tmp_path / 'python', log)
    env = dict(PYTHON=str(python), NNODES='2', NODE_RANK='1', PORT='12345',
               MASTER_ADDR='10.0.0.1')
    result = _run('dist_test.sh', 'cfg.py', 'ckpt.pth', '4', '--show-dir',
                  'vis', env=env)
    assert result.returncode == 0, result.stderr
    args, pythonpath = _logged(log)
    assert args == [
        '-m', 'torch.distributed.run', '--nnodes=2', '--node_rank=1',
        '--master_addr=10.0.0.1', '--nproc_per_node=4',
        '--master_port=12345',
        osp.join(TOOLS, 'test.py'), 'cfg.py', 'ckpt.pth', '--launcher',
        'pytorch', '--show-dir', 'vis'
    ]
    assert pythonpath == ROOT


@pytest.mark.parametrize('work_dir', [True, False])
def test_slurm_train(tmp_path, work_dir):
    log = tmp_path / 'args'
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    _fake(bin_dir / 'srun', log)
    env = dict(PATH=f'{bin_dir}:{os.environ["PATH"]}', GPUS='8',
               SRUN_ARGS='--quotatype=auto --time=10')
    extra = ['work_dirs/x'] if work_dir else []
    result = _run('slurm_train.sh', 'part', 'job', 'cfg.py', *extra,
                  '--resume', env=env)
    assert result.returncode == 0, result.stderr
    args, pythonpath = _logged(log)
    assert args[:9] == [
        '-p', 'part', '--job-name=job', '--gres=gpu:4', '--ntasks=8',
        '--ntasks-per-node=4', '--cpus-per-task=5', '--kill-on-bad-exit=1',
        '--quotatype=auto'
    ]
    launched = args[args.index(DEFAULT_PY):]
    expected = [DEFAULT_PY, '-u', osp.join(TOOLS, 'train.py'), 'cfg.py',
                '--launcher', 'slurm']
    expected += ['--work-dir', 'work_dirs/x'] if work_dir else []
    assert launched == expected + ['--resume']
    assert pythonpath == ROOT


def test_slurm_test(tmp_path):
    log = tmp_path / 'args'
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    _fake(bin_dir / 'srun', log)
    env = dict(PATH=f'{bin_dir}:{os.environ["PATH"]}', GPUS='1',
               GPUS_PER_NODE='1')
    result = _run('slurm_test.sh', 'part', 'job', 'cfg.py', 'ckpt.pth',
                  '--out', 'res', env=env)
    assert result.returncode == 0, result.stderr
    args, _ = _logged(log)
    assert '--ntasks=1' in args and '--gres=gpu:1' in args
    assert args[args.index(DEFAULT_PY):] == [
        DEFAULT_PY, '-u', osp.join(TOOLS, 'test.py'), 'cfg.py', 'ckpt.pth',
        '--launcher', 'slurm', '--out', 'res'
    ]
