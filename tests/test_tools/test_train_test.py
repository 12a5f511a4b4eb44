"""tools/train.py, tools/test.py and tools/dist_train.sh end to end on CPU."""
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from mmlabeleff.testing.tiny_configs import (CAMVID_CONFIG, REPO_ROOT,
                                             dump_tiny_camvid_config)


def _run(cmd, **kwargs):
    env = dict(os.environ, PYTHONUNBUFFERED='1', OMP_NUM_THREADS='1')
    env.update(kwargs.pop('env', {}))
    proc = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True,
                          env=env, timeout=600, **kwargs)
    return proc


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


@pytest.fixture(scope='module')
def trained(tmp_path_factory, camvid_tiny_root):
    work = tmp_path_factory.mktemp('train')
    cfg = dump_tiny_camvid_config(work / 'cfg.py', camvid_tiny_root, work,
                                  max_iters=2, interval=2)
    proc = _run([sys.executable, 'tools/train.py', cfg])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return work, proc


def test_train_writes_checkpoint_and_validates(trained):
    work, proc = trained
    assert (work / 'iter_2.pth').is_file()
    assert (work / 'last_checkpoint').is_file()
    log = proc.stdout + proc.stderr
    assert 'mIoU' in log


def test_test_py_evaluates_and_writes_predictions(trained, tmp_path,
                                                  camvid_tiny_root):
    work, _ = trained
    cfg = dump_tiny_camvid_config(tmp_path / 'cfg.py', camvid_tiny_root,
                                  tmp_path / 'test')
    out_dir = tmp_path / 'preds'
    proc = _run([sys.executable, 'tools/test.py', cfg,
                 str(work / 'iter_2.pth'), '--out', str(out_dir),
                 '--show-dir', str(tmp_path / 'vis')])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    preds = sorted(out_dir.glob('*.png'))
    assert len(preds) == 2  # the two val images
    drawn = list((tmp_path / 'vis').rglob('*.png'))
    assert len(drawn) == 2
    results = list((tmp_path / 'test').rglob('*.json'))
    metrics = [json.loads(p.read_text()) for p in results
               if 'mIoU' in p.read_text()]
    assert metrics and 0.0 <= metrics[0]['mIoU'] <= 100.0


def test_missing_config_and_checkpoint_errors(tmp_path):
    proc = _run([sys.executable, 'tools/train.py', 'configs/nope.py'])
    assert proc.returncode != 0 and 'configs/nope.py' in proc.stderr
    proc = _run([sys.executable, 'tools/test.py', CAMVID_CONFIG,
                 str(tmp_path / 'none.pth')])
    assert proc.returncode != 0 and 'none.pth' in proc.stderr


def test_amp_on_cpu_is_a_clear_error(tmp_path):
    import torch
    if torch.cuda.is_available():
        pytest.skip('a GPU is present: AMP is allowed')
    proc = _run([sys.executable, 'tools/train.py', CAMVID_CONFIG, '--amp',
                 '--work-dir', str(tmp_path)])
    assert proc.returncode != 0 and '--amp needs a GPU' in proc.stderr


def test_dist_train_two_cpu_processes(tmp_path, camvid_tiny_root):
    work = tmp_path / 'dist'
    # 2 images per rank and step (the 4 images are split between the ranks)
    cfg = dump_tiny_camvid_config(tmp_path / 'cfg.py', camvid_tiny_root, work,
                                  max_iters=2, interval=2)
    proc = _run(['bash', 'tools/dist_train.sh', cfg, '2'],
                env=dict(PORT=str(_free_port()), PYTHON=sys.executable))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert (work / 'iter_2.pth').is_file()
    logs = list(Path(work).rglob('*.log'))
    text = '\n'.join(p.read_text() for p in logs)
    assert 'Distributed launcher: pytorch' in text
    assert 'GPU number: 2' in text  # mmengine's name for the world size
    assert 'mIoU' in text
