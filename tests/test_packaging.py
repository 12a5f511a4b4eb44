"""Packaging: requirements, install_requires, and mim's ``mmlabeleff/.mim``."""
import os
import subprocess
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

import mmlabeleff

REQUIREMENT_FILES = ['runtime.txt', 'tests.txt', 'optional.txt',
                     'mminstall.txt', 'build.txt']


@pytest.fixture(scope='module')
def setup_py(load_tool):
    """setup.py imported as a module (its ``setup()`` call does not run)."""
    return load_tool('setup.py')


@pytest.mark.parametrize('fname', REQUIREMENT_FILES)
def test_requirement_lines_are_pip_specifiers(setup_py, fname):
    reqs = setup_py.parse_requirements(fname)
    assert reqs
    for line in reqs:
        req = Requirement(line)  # raises InvalidRequirement otherwise
        assert not req.url, line


def test_parse_requirements_drops_comments_and_refuses_options(
        setup_py, tmp_path, monkeypatch):
    (tmp_path / 'requirements').mkdir()
    (tmp_path / 'requirements' / 'a.txt').write_text(
        '# comment\n\nfoo==1.0  # pinned\n-r b.txt\n')
    (tmp_path / 'requirements' / 'b.txt').write_text('bar>=2\n')
    (tmp_path / 'requirements' / 'c.txt').write_text('--index-url x\n')
    monkeypatch.setattr(setup_py, 'ROOT', str(tmp_path))
    assert setup_py.parse_requirements('a.txt') == ['foo==1.0', 'bar>=2']
    with pytest.raises(ValueError, match='--index-url'):
        setup_py.parse_requirements('c.txt')


def test_install_requires_leave_mmcv_and_torch_alone(setup_py):
    """``pip install -e .`` must neither build mmcv nor change torch."""
    runtime = {Requirement(r).name: Requirement(r)
               for r in setup_py.parse_requirements('runtime.txt')}
    assert 'mmcv' not in runtime  # built from source by tools/setup_env.sh
    # the installed environment already satisfies every requirement, so pip
    # has nothing to download or replace
    for name, req in runtime.items():
        installed = metadata.version(name)
        assert req.specifier.contains(installed, prereleases=True), (
            f'{name} {installed} does not satisfy {req}')
    # mmcv is declared where `mim install` looks, and the built one fits
    mim = {Requirement(r).name: Requirement(r)
           for r in setup_py.parse_requirements('mminstall.txt')}
    assert mim['mmcv'].specifier.contains(metadata.version('mmcv'),
                                          prereleases=True)


def test_installed_metadata_lists_the_runtime_requirements(setup_py):
    declared = {Requirement(r).name for r in metadata.requires('mmlabeleff')
                if 'extra ==' not in r}
    wanted = {Requirement(r).name
              for r in setup_py.parse_requirements('runtime.txt')}
    assert declared == wanted


@pytest.mark.parametrize('argv, mode', [
    (['setup.py', 'develop'], 'symlink'),
    (['setup.py', 'editable_wheel', '--dist-dir', 'x'], 'symlink'),
    (['setup.py', 'bdist_wheel'], 'copy'),
    (['setup.py', 'sdist'], 'copy'),
    (['setup.py', 'build_ext', '--inplace'], None),
    (['setup.py', 'egg_info'], None),
])
def test_mim_install_mode(setup_py, argv, mode, monkeypatch):
    monkeypatch.setattr(setup_py.platform, 'system', lambda: 'Linux')
    assert setup_py.mim_install_mode(argv) == mode


def _fake_repo(root: Path) -> Path:
    (root / 'mmlabeleff').mkdir(parents=True)
    (root / 'configs' / '_base_').mkdir(parents=True)
    (root / 'configs' / '_base_' / 'default_runtime.py').write_text('a = 1\n')
    (root / 'tools').mkdir()
    (root / 'tools' / 'train.py').write_text('print(1)\n')
    (root / 'model-index.yml').write_text('Import: []\n')
    return root


def test_add_mim_extension_links_then_copies(setup_py, tmp_path):
    repo = _fake_repo(tmp_path / 'repo')
    mim = repo / 'mmlabeleff' / '.mim'
    setup_py.add_mim_extension('symlink', str(repo))
    assert sorted(os.listdir(mim)) == ['configs', 'model-index.yml', 'tools']
    assert os.readlink(mim / 'configs') == os.path.join('..', '..', 'configs')
    assert (mim / 'configs' / '_base_' / 'default_runtime.py').read_text() \
        == 'a = 1\n'

    setup_py.add_mim_extension('copy', str(repo))
    for name in ('configs', 'tools', 'model-index.yml'):
        assert not (mim / name).is_symlink()
    (repo / 'tools' / 'train.py').write_text('print(2)\n')
    assert (mim / 'tools' / 'train.py').read_text() == 'print(1)\n'

    # and back (an editable install after a wheel build)
    setup_py.add_mim_extension('symlink', str(repo))
    assert (mim / 'tools').is_symlink()
    assert (mim / 'tools' / 'train.py').read_text() == 'print(2)\n'

    setup_py.add_mim_extension(None, str(repo))  # other commands
    assert (mim / 'tools').is_symlink()
    with pytest.raises(ValueError, match='hardlink'):
        setup_py.add_mim_extension('hardlink', str(repo))


def test_mim_files_resolve_in_the_installed_package(repo_root):
    """``mim train mmlabeleff CONFIG`` looks for these."""
    mim = Path(mmlabeleff.__file__).parent / '.mim'
    assert (mim / 'configs' / '_base_' / 'default_runtime.py').is_file()
    assert (mim / 'tools' / 'train.py').is_file()
    assert (mim / 'tools' / 'test.py').is_file()
    if Path(mmlabeleff.__file__).parent == repo_root / 'mmlabeleff':
        # editable install: links into the working tree, ignored by git
        assert (mim / 'configs').resolve() == repo_root / 'configs'
        ignored = subprocess.run(
            ['git', 'check-ignore', '-q', 'mmlabeleff/.mim/configs'],
            cwd=repo_root)
        assert ignored.returncode == 0
