"""mmlabeleff.testing.fake_datasets, and the layering of mmlabeleff.testing
(helpers of the tests, never imported by the package)."""
import ast

import pytest
from PIL import Image

from mmlabeleff.testing.fake_datasets import (
    TINY_ROOTS,
    copy_tiny,
    data_infos,
    write_truncated_png,
)


def test_tiny_roots_exist():
    for name, root in TINY_ROOTS.items():
        assert root.is_dir(), name


def test_copy_tiny_is_writable_and_independent(tmp_path):
    root = copy_tiny('gta5', tmp_path / 'gta5')
    (root / 'images' / '00001.png').unlink()
    assert (TINY_ROOTS['gta5'] / 'images' / '00001.png').is_file()


def test_truncated_png_cannot_be_decoded(tmp_path):
    path = write_truncated_png(tmp_path / 'cut.png')
    image = Image.open(path)  # the header is intact
    assert image.size == (64, 64)
    with pytest.raises(OSError, match='truncated'):
        image.load()


def test_data_infos_drop_sample_idx():

    class Two:

        def __len__(self):
            return 2

        def get_data_info(self, index):
            return dict(img_path=str(index), sample_idx=index)

    assert data_infos(Two()) == [dict(img_path='0'), dict(img_path='1')]


def _imports(path):
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            dots = '.' * node.level
            names.append(dots + (node.module or ''))
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
    return names


def test_the_package_never_imports_testing(repo_root):
    package = repo_root / 'mmlabeleff'
    offenders = []
    for path in package.rglob('*.py'):
        if path.parent.name == 'testing':
            continue
        for name in _imports(path):
            if name.startswith('mmlabeleff.testing') or (
                    name.lstrip('.').startswith('testing')
                    and name.startswith('.')):
                offenders.append(f'{path.relative_to(repo_root)}: {name}')
    assert not offenders, offenders
