"""mmlabeleff._ext: the CPU build imports; a FORCE_CUDA=1 build compiles here.

CUDA kernels can only run where a GPU is lent; what CI can check is that the
CUDA build of the extension compiles, links and imports on a machine without
a GPU, using the toolkit (nvcc) and the CUDA headers of the nvidia wheels.
"""
import os
import shutil
import subprocess
import sys

import pytest

from mmlabeleff.testing.script_loader import REPO_ROOT, load_script


def _find_toolkit():
    # imported as a module: defines the helpers, does not run setup()
    return load_script('setup.py').find_cuda_toolkit()


def test_cpu_extension_is_built_and_reports_its_compiler():
    from mmlabeleff import _ext
    assert _ext.get_compiler_version().split()[0] in ('GCC', 'clang')
    import torch
    if not torch.cuda.is_available():
        assert _ext.get_compiling_cuda_version() == 'not compiled with CUDA'


def test_force_cuda_build_compiles_and_imports_without_gpu(tmp_path):
    if shutil.which('nvcc') is None or _find_toolkit() is None:
        pytest.skip('no CUDA toolkit (nvcc) on this machine')
    src = tmp_path / 'src'
    (src / 'mmlabeleff').mkdir(parents=True)
    shutil.copy(REPO_ROOT / 'setup.py', src / 'setup.py')
    shutil.copy(REPO_ROOT / 'mmlabeleff' / 'version.py',
                src / 'mmlabeleff' / 'version.py')
    (src / 'mmlabeleff' / '__init__.py').write_text('')
    shutil.copytree(REPO_ROOT / 'mmlabeleff' / 'ops', src / 'mmlabeleff' / 'ops',
                    ignore=shutil.ignore_patterns('*.so', '__pycache__'))
    shutil.copytree(REPO_ROOT / 'requirements', src / 'requirements')
    env = dict(os.environ, FORCE_CUDA='1', MAX_JOBS='2')
    build = subprocess.run(
        [sys.executable, 'setup.py', '-q', 'build_ext', '--inplace'],
        cwd=src, env=env, capture_output=True, text=True, timeout=900)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    probe = subprocess.run(
        [sys.executable, '-c',
         'import torch; from mmlabeleff import _ext; '
         'print(_ext.get_compiling_cuda_version())'],
        cwd=src, capture_output=True, text=True, timeout=120)
    assert probe.returncode == 0, probe.stderr[-3000:]
    version = probe.stdout.strip().splitlines()[-1]
    assert version != 'not compiled with CUDA'
    assert version.split('.')[0].isdigit()
