"""Tests of :mod:`mmlabeleff.structures.weak_label_simulation` and
:mod:`mmlabeleff.structures.weak_label_stats`."""
import json
import os
import os.path as osp

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from mmlabeleff.structures import (
    WEAK_LABEL_TYPES,
    list_folder_samples,
    list_split_samples,
    load_dense_mask,
    render_stats_markdown,
    simulate_weak_labels,
    weak_label_outputs,
)
from mmlabeleff.structures.weak_label_files import points_name, scribbles_name

SPARSE_DIRS = ('scribbles_r100', 'scribbles_r080', 'scribbles_r050',
               'scribbles_r030', 'scribbles_r000', 'points_n1', 'partial_f010')
CAMVID_IDS = [f'0016E5_0000{i}' for i in range(4)]


def _tree(folder):
    """{relative path: bytes} of every file under ``folder``."""
    out = {}
    for root, _, files in os.walk(folder):
        for name in files:
            path = osp.join(root, name)
            with open(path, 'rb') as f:
                out[osp.relpath(path, folder)] = f.read()
    return out


def _temp_files(folder):
    return [f for f in _tree(folder) if osp.basename(f).startswith('.')]


def _read(path):
    return np.array(Image.open(path))


def _folder_dataset(root, masks):
    """An image folder and a label folder with one PNG pair per mask."""
    os.makedirs(root / 'img', exist_ok=True)
    os.makedirs(root / 'ann', exist_ok=True)
    for name, mask in masks.items():
        image = np.zeros(mask.shape + (3, ), np.uint8)
        Image.fromarray(image).save(root / 'img' / f'{name}.png')
        Image.fromarray(mask.astype(np.uint8)).save(root / 'ann' / f'{name}.png')
    return list_folder_samples(str(root / 'img'), str(root / 'ann'), '.png')


def _simulate(samples, out, **kwargs):
    kwargs.setdefault('workers', 1)
    return simulate_weak_labels(samples, str(out), 3, label_map={9: 255},
                                **kwargs)


# ------------------------------------------------------------------ naming
def test_output_names_follow_the_file_contract():
    outputs = weak_label_outputs()
    assert [name for name, _, _ in outputs] == [
        'tags', 'boxes', *SPARSE_DIRS]
    assert [kind for _, kind, _ in outputs] == [
        'tags', 'boxes'] + ['scribbles'] * 5 + ['points', 'partial']
    names = [n for n, _, _ in weak_label_outputs(
        ('points', 'scribbles', 'partial'), scribble_ratios=[0.8],
        num_points=[1, 3], partial_fraction=[0.5], partial_mode='pixels',
        scribble_width=3, point_dilation=6)]
    # type order is fixed, whatever the order asked
    assert names == ['scribbles_r080_w3', 'points_n1_d6', 'points_n3_d6',
                     'partial_px_f050']
    # the defaults add no suffix: existing folders keep their names
    assert [n for n, _, _ in weak_label_outputs(
        ('scribbles', ), scribble_ratios=[1.0], scribble_width=1)] == [
            'scribbles_r100']
    assert scribbles_name(0.8, width=3) == 'scribbles_r080_w3'
    assert scribbles_name(0.8, 3) == 'scribbles_r080_d3'  # ScribbleSup's
    assert scribbles_name(1.0, prefix='context59',
                          width=5) == 'context59_scribbles_r100_w5'
    with pytest.raises(ValueError, match='not both'):
        scribbles_name(0.8, 3, width=3)
    assert points_name(source='scribbles') == 'points_r000'
    assert points_name(source='masks', dilation=6) == 'points_mask_d6'
    assert points_name(source='scribbles',
                       prefix='context59') == 'context59_points_r000'
    with pytest.raises(ValueError, match='source must be one of'):
        points_name(source='clicks')
    with pytest.raises(ValueError, match='same output twice'):
        weak_label_outputs(('scribbles', ), scribble_ratios=[0.5, 0.501])
    with pytest.raises(ValueError, match='unknown label types'):
        weak_label_outputs(('tags', 'polygons'))


# ------------------------------------------------------- camvid_tiny runs
@pytest.fixture(scope='module')
def camvid_samples(camvid_tiny_root):
    return list_split_samples(str(camvid_tiny_root), 'train')


@pytest.fixture(scope='module')
def camvid_run(camvid_samples, tmp_path_factory):
    samples, classes, label_map = camvid_samples
    out = tmp_path_factory.mktemp('weak') / 'camvid_weak'
    kwargs = dict(classes=classes, label_map=label_map, min_area=4,
                  dataset='camvid', source='camvid_tiny')
    stats = simulate_weak_labels(samples, str(out), len(classes), workers=2,
                                 **kwargs)
    return kwargs, out, stats


def test_list_split_samples(camvid_samples, camvid_tiny_root):
    samples, classes, label_map = camvid_samples
    assert [s['id'] for s in samples] == CAMVID_IDS
    assert len(classes) == 11 and label_map == {11: 255}
    assert samples[0]['seg_map_path'].endswith('trainannot/0016E5_00000.png')
    with pytest.raises(FileNotFoundError):
        list_split_samples(str(camvid_tiny_root / 'no_such_root'))


def test_camvid_layout_and_contents(camvid_run, camvid_tiny_root):
    _, out, stats = camvid_run
    files = _tree(out)
    for name in SPARSE_DIRS:
        assert sorted(f for f in files if f.startswith(name + os.sep)) == [
            osp.join(name, i + '.png') for i in CAMVID_IDS]
    for name in ('tags.json', 'boxes.json', 'points_n1.json', 'stats.json',
                 'stats.md'):
        assert name in files
    assert not _temp_files(out)
    tags = json.loads(files['tags.json'])
    boxes = json.loads(files['boxes.json'])
    points = json.loads(files['points_n1.json'])
    assert list(tags) == CAMVID_IDS
    for key in CAMVID_IDS:
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
            assert sorted(point) == ['point', 'point_label']
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
    assert json.loads(files['stats.json']) == stats
    assert stats['num_images'] == 4 and len(stats['classes']) == 11
    assert set(stats['types']) == {'tags', 'boxes', *SPARSE_DIRS}
    assert stats['config']['dataset'] == 'camvid'
    assert files['stats.md'].decode() == render_stats_markdown(stats)
    assert '| scribbles_r050 |' in files['stats.md'].decode()


def test_output_is_byte_identical_whatever_workers(camvid_run, camvid_samples,
                                                   tmp_path):
    kwargs, out, _ = camvid_run
    samples, classes, _ = camvid_samples
    before = _tree(out)
    simulate_weak_labels(samples, str(out), 11, workers=3, **kwargs)
    assert _tree(out) == before  # the same folder again
    serial = tmp_path / 'serial'
    simulate_weak_labels(samples, str(serial), 11, workers=1, **kwargs)
    assert _tree(serial) == before
    # one image's labels do not depend on the others
    alone = tmp_path / 'alone'
    simulate_weak_labels(samples[2:3], str(alone), 11, workers=1, **kwargs)
    for name in SPARSE_DIRS:
        rel = osp.join(name, CAMVID_IDS[2] + '.png')
        assert _tree(alone)[rel] == before[rel]
    reseeded = tmp_path / 'seed1'
    simulate_weak_labels(samples, str(reseeded), 11, workers=2, seed=1,
                         types=['scribbles'], scribble_ratios=[0.3], **kwargs)
    assert sorted(_tree(reseeded)) == sorted(
        [f for f in before if f.startswith('scribbles_r030')]
        + ['stats.json', 'stats.md'])
    assert any(_tree(reseeded)[f] != before[f] for f in before
               if f.startswith('scribbles_r030'))


# ------------------------------------------------------------ statistics
def test_stats_match_a_hand_count(tmp_path):
    a = np.array([[0, 0, 0, 0, 1, 1, 9, 9],
                  [0, 0, 0, 0, 1, 1, 9, 9],
                  [0, 0, 0, 0, 0, 0, 9, 9],
                  [2, 2, 0, 0, 0, 0, 9, 9],
                  [2, 2, 0, 1, 0, 0, 9, 9],
                  [0, 0, 0, 0, 0, 0, 9, 9]])
    # Objects: one of class 0 (27 px), two of class 1 (4 px and a 1-px
    # speck that min_area=2 drops), one of class 2 (4 px); 12 void px.
    # A second image is all void.
    samples = _folder_dataset(tmp_path, {'a': a, 'b': np.full((4, 4), 9)})
    out = tmp_path / 'out'
    stats = _simulate(samples, out, min_area=2, partial_fraction=[1.0, 0.0])
    assert stats['classes'] == ['class_0', 'class_1', 'class_2']
    dense = stats['dense']
    assert dense['total_pixels'] == 48 + 16 and dense['void_pixels'] == 12 + 16
    assert dense['pixels_per_class'] == [27, 5, 4]
    assert dense['objects_per_class'] == [1, 2, 1] and dense['objects'] == 4
    assert dense['objects_kept'] == 3 and dense['objects_per_image'] == 2.0
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
        assert entry['objects_without_label_fraction'] == 0.25
        assert entry['images_without_label'] == 1
    assert types['points_n1']['points_per_image'] == dict(
        mean=1.5, min=0, max=3, total=3)
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
    report = (out / 'stats.md').read_text()
    assert '| partial_f000 | 0.000 | 4 / 4 | 100.0 | 2 |  |' in report
    assert '| tags | 100.000 | 0 / 4 | 0.0 | 1 | 1.50 tags |' in report


def test_json_files_have_one_image_per_line(tmp_path):
    samples = _folder_dataset(tmp_path, {'a': np.zeros((4, 5)),
                                         'b': np.ones((4, 5))})
    _simulate(samples, tmp_path / 'out', types=['tags', 'points'])
    assert (tmp_path / 'out' / 'tags.json').read_text() == \
        '{\n"a": [0],\n"b": [1]\n}\n'
    assert sorted(_tree(tmp_path / 'out')) == sorted([
        'tags.json', 'points_n1.json', 'stats.json', 'stats.md',
        osp.join('points_n1', 'a.png'), osp.join('points_n1', 'b.png')])


# ---------------------------------------------------------------- errors
def test_bad_masks_name_the_file(tmp_path):
    samples = _folder_dataset(tmp_path, {'a': np.zeros((4, 5)),
                                         'b': np.full((4, 5), 5)})
    with pytest.raises(ValueError, match=r'ann/b\.png.*\[5\]'):
        load_dense_mask(samples[1], 3)
    Image.fromarray(np.zeros((3, 5), np.uint8)).save(tmp_path / 'ann' / 'b.png')
    with pytest.raises(ValueError, match=r'ann/b\.png.*img/b\.png'):
        load_dense_mask(samples[1], 3)
    Image.fromarray(np.zeros((4, 5, 3), np.uint8)).save(
        tmp_path / 'ann' / 'b.png')
    with pytest.raises(ValueError, match=r'ann/b\.png: expected a single'):
        load_dense_mask(samples[1], 3)
    data = (tmp_path / 'ann' / 'a.png').read_bytes()
    (tmp_path / 'ann' / 'b.png').write_bytes(data[:len(data) // 2])
    with pytest.raises(ValueError, match=r'ann/b\.png.*cannot read'):
        load_dense_mask(samples[1], 3)
    os.remove(tmp_path / 'ann' / 'b.png')
    with pytest.raises(FileNotFoundError, match=r'ann/b\.png: file not found'):
        load_dense_mask(samples[1], 3)
    with pytest.raises(FileNotFoundError, match=r'ann/b\.png: label map of'):
        list_folder_samples(str(tmp_path / 'img'), str(tmp_path / 'ann'),
                            '.png')
    with pytest.raises(FileNotFoundError, match='no \\*.jpg images'):
        list_folder_samples(str(tmp_path / 'img'), str(tmp_path / 'ann'))
    with pytest.raises(FileNotFoundError, match='nosuch: folder not found'):
        list_folder_samples(str(tmp_path / 'nosuch'), str(tmp_path / 'ann'))


@pytest.mark.parametrize('workers', [1, 2])
def test_a_bad_image_leaves_no_partial_output(tmp_path, workers):
    masks = {name: np.zeros((6, 7)) for name in 'abcdef'}
    samples = _folder_dataset(tmp_path, masks)
    data = (tmp_path / 'ann' / 'd.png').read_bytes()
    (tmp_path / 'ann' / 'd.png').write_bytes(data[:len(data) // 2])
    out = tmp_path / 'out'
    with pytest.raises(ValueError, match=r'ann/d\.png.*cannot read'):
        _simulate(samples, out, workers=workers)
    files = _tree(out)
    assert not _temp_files(out)
    assert not [f for f in files if f.endswith(('.json', '.md'))]
    for name in files:  # the sparse maps written are complete
        assert _read(out / name).shape == (6, 7)


def test_bad_options_raise(tmp_path):
    samples = _folder_dataset(tmp_path, {'a': np.zeros((4, 5))})
    with pytest.raises(ValueError, match='classes names 2 classes'):
        _simulate(samples, tmp_path / 'o', classes=['x', 'y'])
    with pytest.raises(ValueError, match='not unique'):
        _simulate(samples * 2, tmp_path / 'o')
    with pytest.raises(ValueError, match=r'ratio must lie in \[0, 1\]'):
        _simulate(samples, tmp_path / 'o', partial_fraction=[1.5])
    assert set(WEAK_LABEL_TYPES) == {'tags', 'boxes', 'scribbles', 'points',
                                     'partial'}


def test_scribble_width_names_the_folder(camvid_run, camvid_samples, tmp_path):
    samples, classes, label_map = camvid_samples
    kwargs, default_out, _ = camvid_run
    out = tmp_path / 'w3'
    stats = simulate_weak_labels(
        samples, str(out), len(classes), types=['scribbles'],
        scribble_ratios=[1.0, 0.0], scribble_width=3, workers=1, **kwargs)
    assert set(stats['types']) == {'scribbles_r100_w3', 'scribbles_r000_w3'}
    assert stats['config']['options']['scribble_width'] == 3
    assert 'scribble_dilation' not in stats['config']['options']
    for key in CAMVID_IDS:
        thin = _read(default_out / 'scribbles_r100' / f'{key}.png') < 11
        thick = _read(out / 'scribbles_r100_w3' / f'{key}.png') < 11
        assert thick.sum() > thin.sum() and (thick | thin).sum() == thick.sum()
    with pytest.raises(ValueError, match='scribble_width must be an odd'):
        simulate_weak_labels(samples, str(tmp_path / 'w2'), len(classes),
                             label_map=label_map, types=['scribbles'],
                             scribble_width=2, workers=1)
