"""mmlabeleff._ext: the CPU build imports; a FORCE_CUDA=1 build compiles here.

CUDA kernels can only run where a GPU is lent; what CI can check is that the
CUDA build of the extension compiles, links and imports on a machine without
a GPU, using the toolkit (nvcc) and the CUDA headers of the nvidia wheels.

That build takes about 7 minutes on 2 cores (13 translation units, each
including torch's headers), more than half of the whole suite. Like the
mmcv wheel of ``tools/setup_env.sh``, its result is cached under
``$MMLABELEFF_CACHE/force_cuda/<key>`` (default ``~/.cache/mmlabeleff``),
the key hashing everything the compiler sees: ``setup.py``, every file
under ``mmlabeleff/ops/csrc``, the torch version, ``nvcc --version`` and
the architecture. A change to any of them compiles again; an unchanged tree
only re-runs the import probe on the cached build.
``MMLABELEFF_REBUILD_CUDA=1`` ignores the cache.

The check compiles device code for one architecture (sm_90, the lent H200)
instead of setup.py's default two (8.0;9.0): the architecture only changes
code generation, not which sources compile, and it saves about a fifth of
the time.
"""
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mmlabeleff.testing.script_loader import REPO_ROOT, load_script

#: The device architecture the FORCE_CUDA check compiles for.
CHECK_ARCH = '9.0'


def _find_toolkit():
    # imported as a module: defines the helpers, does not run setup()
    return load_script('setup.py').find_cuda_toolkit()


def _build_key(nvcc):
    """Hash of everything the FORCE_CUDA build depends on."""
    import torch
    digest = hashlib.sha256()
    nvcc_version = subprocess.run([nvcc, '--version'], capture_output=True,
                                  text=True, timeout=60).stdout
    digest.update(f'{torch.__version__}\n{nvcc_version}\n{CHECK_ARCH}\n'
                  f'{sys.version}\n'.encode())
    files = [REPO_ROOT / 'setup.py', REPO_ROOT / 'mmlabeleff' / 'version.py']
    files += sorted(p for p in (REPO_ROOT / 'mmlabeleff/ops/csrc').rglob('*')
                    if p.is_file())
    for path in files:
        digest.update(str(path.relative_to(REPO_ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def _build(src):
    """FORCE_CUDA=1 build of the extension in a copy of the sources."""
    (src / 'mmlabeleff').mkdir(parents=True)
    shutil.copy(REPO_ROOT / 'setup.py', src / 'setup.py')
    shutil.copy(REPO_ROOT / 'mmlabeleff' / 'version.py',
                src / 'mmlabeleff' / 'version.py')
    (src / 'mmlabeleff' / '__init__.py').write_text('')
    shutil.copytree(REPO_ROOT / 'mmlabeleff' / 'ops', src / 'mmlabeleff' / 'ops',
                    ignore=shutil.ignore_patterns('*.so', '__pycache__'))
    shutil.copytree(REPO_ROOT / 'requirements', src / 'requirements')
    env = dict(os.environ, FORCE_CUDA='1', MAX_JOBS='2',
               TORCH_CUDA_ARCH_LIST=CHECK_ARCH)
    build = subprocess.run(
        [sys.executable, 'setup.py', '-q', 'build_ext', '--inplace'],
        cwd=src, env=env, capture_output=True, text=True, timeout=1500)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    libs = list((src / 'mmlabeleff').glob('_ext*.so'))
    assert len(libs) == 1, f'expected one _ext*.so, found {libs}'
    return libs[0]


def _cached_build(tmp_path, nvcc):
    """The built package folder (``mmlabeleff/__init__.py`` + ``_ext*.so``),
    from the cache when the key matches, else built and cached atomically."""
    cache_root = Path(os.environ.get(
        'MMLABELEFF_CACHE', Path.home() / '.cache' / 'mmlabeleff'))
    cached = cache_root / 'force_cuda' / _build_key(nvcc)
    rebuild = os.environ.get('MMLABELEFF_REBUILD_CUDA') == '1'
    if not rebuild and list(cached.glob('mmlabeleff/_ext*.so')):
        return cached
    lib = _build(tmp_path / 'src')
    staging = tmp_path / 'package'
    (staging / 'mmlabeleff').mkdir(parents=True)
    (staging / 'mmlabeleff' / '__init__.py').write_text('')
    shutil.copy(lib, staging / 'mmlabeleff' / lib.name)
    try:  # publish: copy next to the cache entry, then rename into place
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.parent / f'.{cached.name}.{os.getpid()}'
        shutil.rmtree(partial, ignore_errors=True)
        shutil.copytree(staging, partial)
        shutil.rmtree(cached, ignore_errors=True)
        os.replace(partial, cached)
    except OSError:  # a read-only cache: the build itself still counts
        return staging
    return cached


def test_cpu_extension_is_built_and_reports_its_compiler():
    from mmlabeleff import _ext
    assert _ext.get_compiler_version().split()[0] in ('GCC', 'clang')
    import torch
    if not torch.cuda.is_available():
        assert _ext.get_compiling_cuda_version() == 'not compiled with CUDA'


def test_build_key_follows_the_kernel_sources(monkeypatch, tmp_path):
    nvcc = shutil.which('nvcc') or 'true'
    key = _build_key(nvcc)
    assert key == _build_key(nvcc)
    fake_root = tmp_path / 'repo'
    shutil.copytree(REPO_ROOT / 'mmlabeleff' / 'ops' / 'csrc',
                    fake_root / 'mmlabeleff' / 'ops' / 'csrc')
    shutil.copy(REPO_ROOT / 'setup.py', fake_root / 'setup.py')
    shutil.copy(REPO_ROOT / 'mmlabeleff' / 'version.py',
                fake_root / 'mmlabeleff' / 'version.py')
    monkeypatch.setattr(sys.modules[__name__], 'REPO_ROOT', fake_root)
    assert _build_key(nvcc) == key  # same content elsewhere: same key
    kernel = next((fake_root / 'mmlabeleff/ops/csrc').rglob('*.cu'))
    kernel.write_text(kernel.read_text() + '\n// changed\n')
    assert _build_key(nvcc) != key


def test_force_cuda_build_compiles_and_imports_without_gpu(tmp_path):
    nvcc = shutil.which('nvcc')
    if nvcc is None or _find_toolkit() is None:
        pytest.skip('no CUDA toolkit (nvcc) on this machine')
    package = _cached_build(tmp_path, nvcc)
    probe = subprocess.run(
        [sys.executable, '-c',
         'import torch; from mmlabeleff import _ext; '
         'print(_ext.get_compiling_cuda_version())'],
        cwd=package, capture_output=True, text=True, timeout=120)
    assert probe.returncode == 0, probe.stderr[-3000:]
    version = probe.stdout.strip().splitlines()[-1]
    assert version != 'not compiled with CUDA'
    assert version.split('.')[0].isdigit()
