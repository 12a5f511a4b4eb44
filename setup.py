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


def cuda_include_dirs():
    """Folders with CUDA library headers shipped in nvidia pip wheels."""
    dirs = []
    for sp in site.getsitepackages() + [site.getusersitepackages()]:
        dirs += sorted(glob.glob(osp.join(sp, 'nvidia', 'cu*', 'include')))
        dirs += sorted(glob.glob(osp.join(sp, 'nvidia', '*', 'include')))
    return [d for d in dirs if osp.isdir(d)]


def get_extensions():
    """Describe ``mmlabeleff._ext`` (CPU always, CUDA when possible)."""
    try:
        import torch
        from torch.utils.cpp_extension import CppExtension, CUDAExtension
    except ImportError:  # metadata-only builds without torch
        return []
    csrc = osp.join('mmlabeleff', 'ops', 'csrc')
    sources = sorted(glob.glob(osp.join(csrc, '**', '*.cpp'), recursive=True))
    include_dirs = [osp.abspath(osp.join(csrc, 'common'))]
    cxx_args = ['-std=c++20', '-O3']
    with_cuda = (torch.cuda.is_available() or os.getenv('FORCE_CUDA', '0') == '1')
    if with_cuda:
        sources += sorted(glob.glob(osp.join(csrc, '**', '*.cu'), recursive=True))
        include_dirs += cuda_include_dirs()
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
                extra_compile_args={'cxx': cxx_args, 'nvcc': nvcc_args})
        ]
    return [
        CppExtension(
            name='mmlabeleff._ext',
            sources=sources,
            include_dirs=include_dirs,
            extra_compile_args={'cxx': cxx_args})
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
