"""Tests of ``tools/dataset_converters/simulate_weak_labels.py``."""
import importlib.util
import json
import os
import os.path as osp
import sys

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCRIPT = osp.join(ROOT, 'tools', 'dataset_converters', 'simulate_weak_labels.py')
SPARSE_DIRS = ('scribbles_r100', 'scribbles_r080', 'scribbles_r050',
               'scribbles_r030', 'scribbles_r000', 'points_n1', 'partial_f010')


@pytest.fixture(scope='module')
def tool():
    """The script, imported from its path (and registered in ``sys.modules``,
    so that worker processes can unpickle its functions)."""
    spec = importlib.util.spec_from_file_location('simulate_weak_labels', SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


def _tree(folder):
    """{relative path: bytes} of every file under ``folder``."""
    out = {}
    for root, _, files in os.walk(folder):
        for name in files:
            path = osp.join(root, name)
            with open(path, 'rb') as f:
                out[osp.relpath(path, folder)] = f.read()
    return out


def _read(path):
    return np.array(Image.open(path))


@pytest.fixture(scope='module')
def camvid_run(tool, camvid_tiny_root, tmp_path_factory):
    out = tmp_path_factory.mktemp('weak') / 'camvid_weak'
    argv = ['--dataset', 'camvid', '--data-root', str(camvid_tiny_root),
            '--split', 'train', '--out-dir', str(out), '--workers', '2',
            '--min-area', '4']
    assert tool.main(argv) == 0
    return argv, out


def test_camvid_layout_and_contents(camvid_run, camvid_tiny_root):
    _, out = camvid_run
    files = _tree(out)
    ids = [f'0016E5_0000{i}' for i in range(4)]
    for name in SPARSE_DIRS:
        assert sorted(f for f in files if f.startswith(name + os.sep)) == [
            osp.join(name, i + '.png') for i in ids]
    for name in ('tags.json', 'boxes.json', 'points_n1.json', 'stats.json',
                 'stats.md'):
        assert name in files
    assert not [f for f in files if osp.basename(f).startswith('.')]  # no temps
    tags = json.loads(files['tags.json'])
    boxes = json.loads(files['boxes.json'])
    points = json.loads(files['points_n1.json'])
    assert list(tags) == ids
    for key in ids:
        dense = _read(camvid_tiny_root / 'trainannot' / f'{key}.png').astype(int)
        dense[dense == 11] = 255
        assert tags[key] == [c for c in np.unique(dense).tolist() if c != 255]
        for box in boxes[key]:
            x1, y1, x2, y2 = box['bbox']
            inside = dense[y1:y2, x1:x2] == box['bbox_label']
            # tight: the class touches all four sides of its box
            assert inside[0].any() and inside[-1].any()
            assert inside[:, 0].any() and inside[:, -1].any()
        for point in points[key]:
            x, y = point['point']
            assert dense[y, x] == point['point_label']
        for name in SPARSE_DIRS:
            sparse = _read(out / name / f'{key}.png')
            assert sparse.dtype == np.uint8 and sparse.shape == dense.shape
            assert (sparse[:, :3] == 255).all()  # the void strip
            labeled = sparse < 11
            assert (sparse[labeled] == dense[labeled]).all()
            assert set(np.unique(sparse)) <= set(range(11)) | {254, 255}
        counts = [(_read(out / n / f'{key}.png') < 11).sum()
                  for n in SPARSE_DIRS[:5]]
        assert counts == sorted(counts, reverse=True)
        r000 = _read(out / 'scribbles_r000' / f'{key}.png') < 11
        assert ndimage.label(r000)[1] == len(boxes[key])  # one per object
    stats = json.loads(files['stats.json'])
    assert stats['num_images'] == 4 and len(stats['classes']) == 11
    assert set(stats['types']) == {'tags', 'boxes', *SPARSE_DIRS}
    assert '| scribbles_r050 |' in files['stats.md'].decode()


def test_rerun_is_byte_identical_whatever_workers(tool, camvid_run, tmp_path):
    argv, out = camvid_run
    before = _tree(out)
    assert tool.main(argv) == 0  # same folder again
    assert _tree(out) == before
    other = tmp_path / 'serial'
    serial = list(argv)
    serial[serial.index('--out-dir') + 1] = str(other)
    serial[serial.index('--workers') + 1] = '1'
    assert tool.main(serial) == 0
    assert _tree(other) == before
    reseeded = tmp_path / 'seed1'
    tool.main(serial[:serial.index('--out-dir')] + [
        '--out-dir', str(reseeded), '--seed', '1', '--types', 'scribbles',
        '--scribble-ratios', '0.3'])
    assert sorted(_tree(reseeded)) == sorted(
        [f for f in before if f.startswith('scribbles_r030')]
        + ['stats.json', 'stats.md'])
    assert any(_tree(reseeded)[f] != before[f] for f in before
               if f.startswith('scribbles_r030'))


def _folder_dataset(root, masks):
    os.makedirs(root / 'img', exist_ok=True)
    os.makedirs(root / 'ann', exist_ok=True)
    for name, mask in masks.items():
        image = np.zeros(mask.shape + (3, ), np.uint8)
        Image.fromarray(image).save(root / 'img' / f'{name}.png')
        Image.fromarray(mask.astype(np.uint8)).save(root / 'ann' / f'{name}.png')


def _folder_argv(root, out, *extra):
    return ['--dataset', 'folder', '--img-dir', str(root / 'img'), '--ann-dir',
            str(root / 'ann'), '--img-suffix', '.png', '--num-classes', '3',
            '--void-id', '9', '--out-dir', str(out), '--workers', '1', *extra]


def test_stats_match_a_hand_count(tool, tmp_path):
    a = np.array([[0, 0, 0, 0, 1, 1, 9, 9],
                  [0, 0, 0, 0, 1, 1, 9, 9],
                  [0, 0, 0, 0, 0, 0, 9, 9],
                  [2, 2, 0, 0, 0, 0, 9, 9],
                  [2, 2, 0, 1, 0, 0, 9, 9],
                  [0, 0, 0, 0, 0, 0, 9, 9]])
    # Objects: one of class 0 (27 px), two of class 1 (4 px and a 1-px
    # speck that --min-area 2 drops), one of class 2 (4 px); 12 void px.
    # A second image is all void.
    _folder_dataset(tmp_path, {'a': a, 'b': np.full((4, 4), 9)})
    out = tmp_path / 'out'
    stats = tool.simulate(tool.parse_args(_folder_argv(
        tmp_path, out, '--min-area', '2', '--partial-fraction', '1.0', '0.0')))
    dense = stats['dense']
    assert dense['total_pixels'] == 48 + 16 and dense['void_pixels'] == 12 + 16
    assert dense['pixels_per_class'] == [27, 5, 4]
    assert dense['objects_per_class'] == [1, 2, 1] and dense['objects'] == 4
    assert dense['objects_kept'] == 3
    types = stats['types']
    tags = types['tags']
    assert tags['labeled_pixel_fraction'] == 1.0
    assert tags['objects_without_label'] == 0
    assert tags['images_without_label'] == 1  # the all-void image
    assert tags['tags_per_image'] == dict(mean=1.5, min=0, max=3, total=3)
    boxes = types['boxes']
    assert boxes['labeled_pixels_per_class'] == [27, 4, 4]
    assert boxes['objects_without_label_per_class'] == [0, 1, 0]
    assert boxes['boxes_per_class'] == [1, 1, 1]
    assert boxes['boxes_per_image'] == dict(mean=1.5, min=0, max=3, total=3)
    for name in ('points_n1', 'scribbles_r000'):
        entry = types[name]
        assert entry['labeled_pixels_per_class'] == [1, 1, 1]
        assert entry['labeled_pixel_fraction_per_class'] == [
            round(1 / 27, 6), 0.2, 0.25]
        assert entry['labeled_pixel_fraction'] == round(3 / 36, 6)
        assert entry['objects_without_label'] == 1
        assert entry['images_without_label'] == 1
    full = types['partial_f100']
    assert full['labeled_pixels_per_class'] == [27, 4, 4]
    assert full['objects_without_label_per_class'] == [0, 1, 0]
    none = types['partial_f000']
    assert none['labeled_pixels'] == 0 and none['objects_without_label'] == 4
    assert none['images_without_label'] == 2
    assert json.loads((out / 'tags.json').read_text()) == {'a': [0, 1, 2], 'b': []}
    assert json.loads((out / 'boxes.json').read_text())['a'] == [
        dict(bbox=[0, 0, 6, 6], bbox_label=0, ignore_flag=0),
        dict(bbox=[4, 0, 6, 2], bbox_label=1, ignore_flag=0),
        dict(bbox=[0, 3, 2, 5], bbox_label=2, ignore_flag=0)]
    partial = _read(out / 'partial_f100' / 'a.png')
    expected = np.where(a == 9, 255, a)
    expected[4, 3] = 254  # the dropped speck
    assert np.array_equal(partial, expected)


def test_errors_name_the_file(tool, tmp_path):
    good = np.zeros((4, 5))
    _folder_dataset(tmp_path, {'a': good, 'b': np.full((4, 5), 5)})
    with pytest.raises(ValueError, match=r'ann/b\.png.*\[5\]'):
        tool.simulate(tool.parse_args(_folder_argv(tmp_path, tmp_path / 'o')))
    os.remove(tmp_path / 'ann' / 'b.png')
    with pytest.raises(FileNotFoundError, match=r'ann/b\.png'):
        tool.simulate(tool.parse_args(_folder_argv(tmp_path, tmp_path / 'o')))
    Image.fromarray(np.zeros((3, 5), np.uint8)).save(tmp_path / 'ann' / 'b.png')
    with pytest.raises(ValueError, match=r'ann/b\.png.*img/b\.png'):
        tool.simulate(tool.parse_args(_folder_argv(tmp_path, tmp_path / 'o')))
    with pytest.raises(FileNotFoundError, match='no_such_root'):
        tool.simulate(tool.parse_args(['--data-root', str(tmp_path / 'no_such_root'),
                                       '--out-dir', str(tmp_path / 'o')]))
    # nothing half-written is left behind
    assert not [f for f in _tree(tmp_path / 'o') if osp.basename(f).startswith('.')]
