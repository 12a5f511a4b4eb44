"""Install mmlabeleff and build its compiled ops ``mmlabeleff._ext``.

The C++ (CPU) sources under ``mmlabeleff/ops/csrc`` are always built. CUDA
sources (``*.cu``) are added when CUDA is available or ``FORCE_CUDA=1``; the
CUDA library headers that torch's headers include are taken from the nvidia
wheels in site-packages (``nvidia/cu13/include``) when present.

Runtime requirements are ``requirements/runtime.txt``. mmcv is not among
them (as in mmsegmentation, it is in ``requirements/mminstall.txt``, the
``mim`` extra): mmcv 2.1.0 has no wheel for torch 2.14 and is built from
source by ``tools/setup_env.sh``, so pip must never try to fetch it itself.

``configs/``, ``tools/`` and ``model-index.yml`` are made available inside the
package as ``mmlabeleff/.mim/`` (symlinks for an editable install, copies for
a wheel or sdist), so that OpenMMLab's ``mim`` finds them
(``mim train mmlabeleff CONFIG``).
"""
import glob
import os
import os.path as osp
import platform
import shutil
import site
import sys

from setuptools import find_packages, setup

ROOT = osp.dirname(osp.abspath(__file__))


def get_version():
    """Return ``__version__`` of ``mmlabeleff/version.py`` (without importing
    the package, whose dependencies may not be installed yet)."""
    scope = {}
    with open(osp.join(ROOT, 'mmlabeleff', 'version.py')) as f:
        exec(compile(f.read(), 'version.py', 'exec'), scope)
    return scope['__version__']


def parse_requirements(fname):
    """Return the requirement specifiers of ``requirements/<fname>``.

    Comments (``# ...``) and blank lines are dropped; ``-r other.txt`` lines
    include another file of the folder. Pip options (other lines starting
    with ``-``) are not requirements and are refused.
    """
    path = osp.join(ROOT, 'requirements', fname)
    with open(path) as f:
        lines = [ln.split('#')[0].strip() for ln in f]
    reqs = []
    for line in lines:
        if line.startswith('-r '):
            reqs += parse_requirements(line[3:].strip())
        elif line.startswith('-'):
            raise ValueError(f'{path}: pip option {line!r} in a requirements '
                             'file read by setup.py')
        elif line:
            reqs.append(line)
    return reqs


#: What ``mmlabeleff/.mim`` holds for OpenMMLab's ``mim`` (when present).
MIM_FILES = ('configs', 'tools', 'model-index.yml', 'dataset-index.yml')


def mim_install_mode(argv):
    """How to provide ``mmlabeleff/.mim`` for the setup command in ``argv``.

    Returns:
        str or None: ``'symlink'`` for an editable install (``develop``, or
        ``editable_wheel`` as pip's PEP 660 ``pip install -e .`` runs it),
        ``'copy'`` when building a wheel or sdist (and on Windows, where
        symlinks need privileges), None for other commands (``build_ext``,
        ``egg_info`` ...), which leave ``.mim`` alone.
    """
    if 'develop' in argv or 'editable_wheel' in argv:
        return 'copy' if platform.system() == 'Windows' else 'symlink'
    if 'sdist' in argv or 'bdist_wheel' in argv:
        return 'copy'
    return None


def add_mim_extension(mode, repo_path=ROOT):
    """Mirror ``configs/``, ``tools/`` (...) into ``mmlabeleff/.mim``.

    Same behaviour as mmsegmentation's ``add_mim_extension``: each of
    :data:`MIM_FILES` that exists in the repository replaces what
    ``mmlabeleff/.mim`` held under that name, as a relative symlink or a
    copy.

    Args:
        mode (str or None): ``'symlink'``, ``'copy'`` or None (do nothing),
            see :func:`mim_install_mode`.
        repo_path (str): The repository root. Defaults to this file's folder.
    """
    if mode is None:
        return
    if mode not in ('symlink', 'copy'):
        raise ValueError(f'invalid mode {mode!r}')
    mim_path = osp.join(repo_path, 'mmlabeleff', '.mim')
    os.makedirs(mim_path, exist_ok=True)
    for name in MIM_FILES:
        src_path = osp.join(repo_path, name)
        if not osp.exists(src_path):
            continue
        tar_path = osp.join(mim_path, name)
        if osp.islink(tar_path) or osp.isfile(tar_path):
            os.remove(tar_path)
        elif osp.isdir(tar_path):
            shutil.rmtree(tar_path)
        if mode == 'symlink':
            os.symlink(osp.relpath(src_path, mim_path), tar_path)
        elif osp.isdir(src_path):
            shutil.copytree(
                src_path, tar_path,
                ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
        else:
            shutil.copyfile(src_path, tar_path)


def find_cuda_toolkit():
    """The CUDA toolkit folder (with ``include/crt`` and ``lib64``), or None.

    Looks at ``CUDA_HOME`` / ``CUDA_PATH``, then ``/usr/local/cuda`` and
    ``/usr/local/cuda-*``. torch's own guess follows ``nvcc`` on the PATH,
    which is a wrapper script in ``/usr/local/bin`` on some machines, and
    would give ``/usr/local``.
    """
    homes = [os.getenv('CUDA_HOME'), os.getenv('CUDA_PATH'), '/usr/local/cuda']
    homes += sorted(glob.glob('/usr/local/cuda-*'), reverse=True)
    for home in homes:
        if home and osp.isfile(osp.join(home, 'include', 'crt', 'host_defines.h')):
            return home
    return None


def cuda_include_dirs(toolkit):
    """Include folders for CUDA builds: the toolkit's, then the nvidia wheels'.

    The nvidia pip wheels hold the library headers that torch's headers
    include (``cusparse.h``, ``cublas_v2.h``), which a bare toolkit may lack.
    """
    dirs = [osp.join(toolkit, 'include')] if toolkit else []
    for sp in site.getsitepackages() + [site.getusersitepackages()]:
        dirs += sorted(glob.glob(osp.join(sp, 'nvidia', '*', 'include')))
    unique = []
    for d in dirs:
        if osp.isdir(d) and d not in unique:
            unique.append(d)
    return unique


def cpu_arch_flags():
    """``-march`` for the C++ kernels: this machine's CPU unless told otherwise.

    The extension is compiled where it runs (``pip install -e .``), so the
    default ``MMLABELEFF_MARCH=native`` lets the vectorised kernels use AVX2 /
    AVX-512. Set it to e.g. ``x86-64-v2`` for a binary that runs on other CPUs,
    or to an empty string for the compiler's default.
    """
    march = os.getenv('MMLABELEFF_MARCH', 'native')
    return [f'-march={march}'] if march else []


def get_extensions():
    """Describe ``mmlabeleff._ext`` (CPU always, CUDA when possible)."""
    toolkit = find_cuda_toolkit()
    if toolkit and not os.getenv('CUDA_HOME'):
        # must be set before torch.utils.cpp_extension computes CUDA_HOME
        os.environ['CUDA_HOME'] = toolkit
    try:
        import torch
        from torch.utils.cpp_extension import CppExtension, CUDAExtension
    except ImportError:  # metadata-only builds without torch
        return []
    csrc = osp.join('mmlabeleff', 'ops', 'csrc')
    sources = sorted(glob.glob(osp.join(csrc, '**', '*.cpp'), recursive=True))
    include_dirs = [osp.abspath(osp.join(csrc, 'common'))]
    # -fopenmp: at::parallel_for is OpenMP in torch's headers; without it the
    # kernels' parallel loops would silently run on one thread.
    # Floating-point contraction: GCC fuses a * b + c into one FMA under
    # -O3 -march=native, rounding once instead of twice. The permutohedral
    # lattice must not be contracted (a different rounding moves points near
    # a simplex boundary into another simplex: CPU and CUDA dense_crf results
    # differed by up to 4e-4 on 512x512), so the file that builds it,
    # csrc/permutohedral/permutohedral_cpu.cpp, is compiled with
    # -ffp-contract=off, set there by `#pragma GCC optimize` because the
    # flags below apply to every file: as a global flag it made the
    # mean-field iterations of dense_crf about 1.3x slower, for rounding
    # changes that decide nothing. nvcc: the lattice's CUDA code writes each float
    # operation with round-to-nearest intrinsics (__fadd_rn, __fmul_rn ...),
    # which nvcc never fuses, so no --fmad=false is needed (it would slow down
    # every other kernel too); the CUDA lattice is the CPU one bit for bit.
    cxx_args = ['-std=c++20', '-O3', '-fopenmp'] + cpu_arch_flags()
    link_args = ['-fopenmp']
    with_cuda = (torch.cuda.is_available() or os.getenv('FORCE_CUDA', '0') == '1')
    if with_cuda:
        sources += sorted(glob.glob(osp.join(csrc, '**', '*.cu'), recursive=True))
        include_dirs += cuda_include_dirs(toolkit)
        nvcc_args = ['-std=c++20', '-O3', '-DWITH_CUDA']
        arch = os.getenv('TORCH_CUDA_ARCH_LIST')
        if not arch:
            # A portable default that covers the GPUs we test on (Hopper).
            os.environ['TORCH_CUDA_ARCH_LIST'] = '8.0;9.0'
        return [
            CUDAExtension(
                name='mmlabeleff._ext',
                sources=sources,
                include_dirs=include_dirs,
                define_macros=[('WITH_CUDA', None)],
                extra_compile_args={'cxx': cxx_args, 'nvcc': nvcc_args},
                extra_link_args=link_args)
        ]
    return [
        CppExtension(
            name='mmlabeleff._ext',
            sources=sources,
            include_dirs=include_dirs,
            extra_compile_args={'cxx': cxx_args},
            extra_link_args=link_args)
    ]


def get_cmdclass():
    """Use torch's ``BuildExtension`` (with ninja) to build the ops."""
    try:
        from torch.utils.cpp_extension import BuildExtension
    except ImportError:
        return {}
    return {'build_ext': BuildExtension.with_options(use_ninja=True)}


if __name__ == '__main__':
    add_mim_extension(mim_install_mode(sys.argv))
    setup(
        name='mmlabeleff',
        version=get_version(),
        description='Label-efficient image segmentation on OpenMMLab 2.x',
        long_description=open(osp.join(ROOT, 'README.md')).read()
        if osp.exists(osp.join(ROOT, 'README.md')) else '',
        long_description_content_type='text/markdown',
        license='Apache-2.0',
        python_requires='>=3.10',
        packages=find_packages(exclude=('configs', 'tools', 'tests', 'demo')),
        include_package_data=True,
        # mmcv is not listed (see the module docstring): tools/setup_env.sh
        # builds it; `mim install` reads the `mim` extra.
        install_requires=parse_requirements('runtime.txt'),
        extras_require={
            'tests': parse_requirements('tests.txt'),
            'optional': parse_requirements('optional.txt'),
            'mim': parse_requirements('mminstall.txt'),
        },
        ext_modules=get_extensions(),
        cmdclass=get_cmdclass(),
        zip_safe=False)
