"""Install mmlabeleff and build its compiled ops ``mmlabeleff._ext``.

The C++ (CPU) sources under ``mmlabeleff/ops/csrc`` are always built. CUDA
sources (``*.cu``) are added when CUDA is available or ``FORCE_CUDA=1``; the
CUDA library headers that torch's headers include are taken from the nvidia
wheels in site-packages (``nvidia/cu13/include``) when present.
"""
import glob
import os
import os.path as osp
import site

from setuptools import find_packages, setup

ROOT = osp.dirname(osp.abspath(__file__))


def get_version():
    scope = {}
    with open(osp.join(ROOT, 'mmlabeleff', 'version.py')) as f:
        exec(compile(f.read(), 'version.py', 'exec'), scope)
    return scope['__version__']


def parse_requirements(fname):
    """Return the non-comment lines of a requirements file."""
    path = osp.join(ROOT, 'requirements', fname)
    with open(path) as f:
        lines = [ln.split('#')[0].strip() for ln in f]
    return [ln for ln in lines if ln]


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
    try:
        from torch.utils.cpp_extension import BuildExtension
    except ImportError:
        return {}
    return {'build_ext': BuildExtension.with_options(use_ninja=True)}


if __name__ == '__main__':
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
        install_requires=[],  # installed by tools/setup_env.sh (mmcv from source)
        extras_require={
            'tests': parse_requirements('tests.txt'),
            'optional': parse_requirements('optional.txt'),
        },
        ext_modules=get_extensions(),
        cmdclass=get_cmdclass(),
        zip_safe=False)
