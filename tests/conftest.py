"""Shared pytest fixtures of the mmlabeleff test suite."""
import os
from pathlib import Path

import pytest

from mmlabeleff.testing.script_loader import REPO_ROOT, load_script
from mmlabeleff.testing.tiny_configs import CAMVID_CONFIG, tiny_camvid_cfg_options

TEST_DATA = REPO_ROOT / 'tests' / 'data'


def _shared_data(name: str) -> Path:
    shared = os.environ.get('MMLABELEFF_SHARED', str(REPO_ROOT.parent / 'shared'))
    return Path(shared) / 'data' / name


def _shared_camvid() -> Path:
    return _shared_data('camvid')


@pytest.fixture(scope='session')
def repo_root() -> Path:
    """The repository root."""
    return REPO_ROOT


@pytest.fixture(scope='session')
def load_tool():
    """A function that imports a script by its path under the repository
    root, e.g. ``load_tool('tools/misc/publish_model.py')`` (see
    :func:`mmlabeleff.testing.script_loader.load_script`)."""
    return load_script


@pytest.fixture(scope='session')
def camvid_tiny_root() -> Path:
    """A 4 train / 2 val fake CamVid in the real layout (with void pixels)."""
    return TEST_DATA / 'camvid_tiny'


@pytest.fixture(scope='session')
def camvid_tiny_weak_root(camvid_tiny_root, tmp_path_factory) -> Path:
    """Weak labels of camvid_tiny's train split, written by
    :func:`mmlabeleff.structures.simulate_weak_labels` with the defaults of
    ``tools/dataset_converters/simulate_weak_labels.py`` (seed 0)."""
    from mmlabeleff.structures import list_split_samples, simulate_weak_labels
    samples, classes, label_map = list_split_samples(str(camvid_tiny_root),
                                                      'train')
    out = tmp_path_factory.mktemp('camvid_tiny_weak')
    simulate_weak_labels(samples, str(out), len(classes), classes=classes,
                         label_map=label_map, workers=1, dataset='camvid')
    return out


@pytest.fixture(scope='session')
def camvid_tiny_superpixels(camvid_tiny_root, tmp_path_factory) -> Path:
    """Felzenszwalb over-segmentations of camvid_tiny's train split, written
    by :func:`mmlabeleff.structures.superpixels.write_superpixel_maps`."""
    from mmlabeleff.structures import list_split_samples
    from mmlabeleff.structures.superpixels import write_superpixel_maps
    samples, _, _ = list_split_samples(str(camvid_tiny_root), 'train')
    out = tmp_path_factory.mktemp('camvid_tiny_superpixels')
    write_superpixel_maps(samples, str(out), params=dict(min_size=20))
    return out


@pytest.fixture(scope='session')
def camvid_root() -> Path:
    """The real CamVid in ../shared/data/camvid; skips when it is absent."""
    root = _shared_camvid()
    if not (root / 'splits' / 'train.txt').is_file():
        pytest.skip(f'real CamVid not found at {root} (../shared is absent)')
    return root


@pytest.fixture(scope='session')
def msrc21_root() -> Path:
    """The real MSRC-21 in ../shared/data/msrc21; skips when it is absent."""
    root = _shared_data('msrc21')
    if not (root / 'splits' / 'train.txt').is_file():
        pytest.skip(f'real MSRC-21 not found at {root} (../shared is absent)')
    return root


@pytest.fixture(scope='session')
def msrc21_tiny_root() -> Path:
    """A 4 train / 2 val fake MSRC-21 in the real layout
    (``tests/data/make_msrc21_tiny.py``)."""
    return TEST_DATA / 'msrc21_tiny'


@pytest.fixture(autouse=True, scope='session')
def _register_modules():
    from mmlabeleff.utils import register_all_modules
    register_all_modules(init_default_scope=False)


@pytest.fixture
def tiny_camvid_cfg(camvid_tiny_root, tmp_path):
    """Build the shrunk CamVid recipe as a Config (see
    :func:`tiny_camvid_cfg_options`)."""
    from mmengine.config import Config

    def build(work_dir=None, **overrides):
        cfg = Config.fromfile(str(REPO_ROOT / CAMVID_CONFIG))
        opts = tiny_camvid_cfg_options(camvid_tiny_root,
                                       work_dir or tmp_path / 'work')
        opts.update(overrides)
        cfg.merge_from_dict(opts)
        return cfg

    return build


@pytest.fixture(scope='session')
def msrc21_tiny_tags(msrc21_tiny_root, tmp_path_factory) -> Path:
    """Image tags of msrc21_tiny's train split, simulated once per session
    (``tags.json`` under the returned weak root)."""
    from mmlabeleff.structures import list_split_samples, simulate_weak_labels
    samples, classes, label_map = list_split_samples(
        str(msrc21_tiny_root), 'train', dataset='msrc21')
    out = tmp_path_factory.mktemp('msrc21_tiny_tags')
    simulate_weak_labels(samples, str(out), len(classes), classes=classes,
                         label_map=label_map, types=('tags', ), workers=1,
                         dataset='msrc21')
    return out
