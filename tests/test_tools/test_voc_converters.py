"""The PASCAL converters of tools/dataset_converters on tiny fake data (the
ScribbleSup and mask-point logic they call is tested in
``tests/test_structures``)."""
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from scipy.io import savemat

from mmlabeleff.structures.mask_points import convert_voc_mask_points
from mmlabeleff.structures.scribblesup import convert_scribblesup
from mmlabeleff.structures.weak_label_files import POINTS_FORMAT

TOOLS = 'tools/dataset_converters'


@pytest.fixture(scope='module')
def voc_tiny(repo_root):
    return repo_root / 'tests' / 'data' / 'voc_tiny'


@pytest.fixture(scope='module')
def voc_root(voc_tiny):
    return voc_tiny / 'VOCdevkit' / 'VOC2012'


@pytest.fixture(scope='module')
def scribble_xml(voc_tiny):
    return voc_tiny / 'scribble_annotation' / 'pascal_2012'


@pytest.fixture(scope='module')
def voc_aug(load_tool):
    return load_tool(f'{TOOLS}/voc_aug.py')


@pytest.fixture(scope='module')
def scribblesup(load_tool):
    return load_tool(f'{TOOLS}/scribblesup.py')


@pytest.fixture(scope='module')
def voc_points(load_tool):
    return load_tool(f'{TOOLS}/voc_points.py')


@pytest.fixture(scope='module')
def semi_splits(load_tool):
    return load_tool(f'{TOOLS}/semi_splits.py')


def _png(path):
    return np.array(Image.open(path))


def _lines(path):
    return Path(path).read_text().split()


def _no_temp_files(folder):
    leftovers = [
        f for _, _, files in os.walk(folder) for f in files
        if f.endswith('.tmp')
    ]
    assert not leftovers


def _point_table(path):
    """A points JSON as ``{id: [(x, y, label), ...]}``; reads the one format
    (:data:`POINTS_FORMAT`) and, for reference files not yet rewritten, the
    former ``[[x, y, label], ...]``."""
    table = json.loads(Path(path).read_text())
    return {
        img_id: [(p['point'][0], p['point'][1], p['point_label'])
                 if isinstance(p, dict) else tuple(p) for p in points]
        for img_id, points in table.items()
    }


def _assert_points_format(path):
    for points in json.loads(Path(path).read_text()).values():
        for p in points:
            assert sorted(p) == ['point', 'point_label'], POINTS_FORMAT
            assert len(p['point']) == 2


@pytest.mark.parametrize('tool', ['voc_aug', 'scribblesup', 'voc_points',
                                  'semi_splits'])
def test_help(tool, load_tool, capsys):
    module = load_tool(f'{TOOLS}/{tool}.py')
    with pytest.raises(SystemExit) as exc:
        module.main(['--help'])
    assert exc.value.code == 0
    assert 'usage:' in capsys.readouterr().out


# ----------------------------------------------------------------- voc_aug
def _fake_devkit(tmp_path, voc_root):
    """VOC 2012 without its aug outputs, plus an SBD with 3 .mat masks."""
    devkit = tmp_path / 'VOCdevkit'
    voc = devkit / 'VOC2012'
    shutil.copytree(voc_root, voc)
    shutil.rmtree(voc / 'SegmentationClassAug')
    for name in ('trainaug.txt', 'aug.txt'):
        (voc / 'ImageSets' / 'Segmentation' / name).unlink()
    sbd = devkit / 'VOCaug' / 'dataset'
    (sbd / 'cls').mkdir(parents=True)
    masks = {
        # SBD-only image: its mask is what the converter must reproduce
        '2008_000002': _png(voc_root / 'SegmentationClassAug' /
                            '2008_000002.png'),
    }
    for img_id in ('2007_000039', '2007_000033'):  # also VOC seg images
        mask = _png(voc_root / 'SegmentationClass' / f'{img_id}.png')
        masks[img_id] = np.where(mask == 255, 0, mask).astype(np.uint8)
    for img_id, mask in masks.items():
        savemat(sbd / 'cls' / f'{img_id}.mat', {
            'GTcls': {
                'Segmentation': mask,
                'Boundaries': np.zeros((1, 1)),
                'CategoriesPresent': np.unique(mask[mask > 0]),
            }
        })
    (sbd / 'train.txt').write_text('2008_000002\n2007_000039\n')
    (sbd / 'val.txt').write_text('2007_000033\n')
    return devkit


def test_voc_aug_reproduces_the_tiny_dataset(voc_aug, voc_root, tmp_path,
                                            capsys):
    devkit = _fake_devkit(tmp_path, voc_root)
    assert voc_aug.main([str(devkit), str(devkit / 'VOCaug')]) == 0
    assert 'trainaug: 3 ids' in capsys.readouterr().out
    voc = devkit / 'VOC2012'
    sets = voc / 'ImageSets' / 'Segmentation'
    assert _lines(sets / 'trainaug.txt') == [
        '2007_000032', '2007_000039', '2008_000002'
    ]
    assert _lines(sets / 'aug.txt') == ['2008_000002']
    out = voc / 'SegmentationClassAug'
    assert sorted(os.listdir(out)) == sorted(
        os.listdir(voc_root / 'SegmentationClassAug'))
    for name in os.listdir(out):
        assert Image.open(out / name).mode == 'L'
        np.testing.assert_array_equal(
            _png(out / name), _png(voc_root / 'SegmentationClassAug' / name))
    # VOC's own masks (with void) replace SBD's where both exist
    np.testing.assert_array_equal(
        _png(out / '2007_000039.png'),
        _png(voc / 'SegmentationClass' / '2007_000039.png'))
    _no_temp_files(devkit)


def test_voc_aug_bad_inputs_name_the_file(voc_aug, voc_root, tmp_path):
    devkit = _fake_devkit(tmp_path, voc_root)
    aug = devkit / 'VOCaug'
    cls_dir = aug / 'dataset' / 'cls'
    (cls_dir / '2008_000002.mat').write_bytes(b'not a mat file')
    with pytest.raises(ValueError, match='2008_000002.mat'):
        voc_aug.convert(str(devkit), str(aug))
    savemat(cls_dir / '2008_000002.mat', {'other': np.zeros((2, 2))})
    with pytest.raises(ValueError, match='2008_000002.mat: no GTcls'):
        voc_aug.convert(str(devkit), str(aug))
    savemat(cls_dir / '2008_000002.mat',
            {'GTcls': {'Segmentation': np.full((4, 4), 40, np.uint8)}})
    with pytest.raises(ValueError, match=r'2008_000002.mat: class ids \[40\]'):
        voc_aug.convert(str(devkit), str(aug))
    (cls_dir / '2008_000002.mat').unlink()
    with pytest.raises(FileNotFoundError, match='2008_000002.mat'):
        voc_aug.convert(str(devkit), str(aug))
    (aug / 'dataset' / 'val.txt').write_text('\n')
    with pytest.raises(ValueError, match='val.txt: split file lists no'):
        voc_aug.convert(str(devkit), str(aug))
    (aug / 'dataset' / 'train.txt').unlink()
    assert voc_aug.main([str(devkit), str(aug)]) == 2


# ------------------------------------------------- scribblesup, voc_points
def test_scribblesup_reproduces_the_tiny_sparse_maps(scribblesup, voc_root,
                                                     scribble_xml, tmp_path,
                                                     capsys):
    assert scribblesup.main([
        str(scribble_xml), str(tmp_path), '--ratios', '1', '0',
        '--img-dir', str(voc_root / 'JPEGImages')]) == 0
    assert '3 images, 8 scribbles' in capsys.readouterr().out
    for name in ('scribbles_r100', 'points_r000'):
        expected = voc_root / 'ScribbleSup' / name
        assert sorted(os.listdir(tmp_path / name)) == sorted(
            os.listdir(expected))
        for fname in os.listdir(expected):
            np.testing.assert_array_equal(_png(tmp_path / name / fname),
                                          _png(expected / fname))
    points = tmp_path / 'points_r000.json'
    _assert_points_format(points)
    assert _point_table(points) == _point_table(
        voc_root / 'ScribbleSup' / 'points_r000.json')
    _no_temp_files(tmp_path)


def test_scribblesup_ratio_folders_and_names(scribble_xml, tmp_path):
    ratios = [1.0, 0.8, 0.5, 0.3, 0.0]
    summary = convert_scribblesup(str(scribble_xml), str(tmp_path),
                                  ratios=ratios, dilation=3, nproc=2)
    names = ['scribbles_r100_d3', 'scribbles_r080_d3', 'scribbles_r050_d3',
             'scribbles_r030_d3', 'points_r000_d3']
    assert list(summary['labeled']) == names
    fractions = [summary['labeled'][n] for n in names]
    assert fractions == sorted(fractions, reverse=True)
    assert sorted(os.listdir(tmp_path)) == sorted(names + [
        'points_r000_d3.json'])
    _assert_points_format(tmp_path / 'points_r000_d3.json')


def test_scribblesup_bad_inputs_exit_2(scribblesup, scribble_xml, tmp_path,
                                       capsys):
    assert scribblesup.main([str(tmp_path / 'nosuch'), str(tmp_path)]) == 2
    assert 'nosuch: scribble XML folder not found' in capsys.readouterr().err
    split = tmp_path / 'split.txt'
    split.write_text('')
    assert scribblesup.main([str(scribble_xml), str(tmp_path), '--split',
                             str(split)]) == 2
    assert 'split.txt: split file lists no' in capsys.readouterr().err


def test_points_from_scribbles_match_scribblesup(voc_points, voc_root,
                                                 scribble_xml, tmp_path):
    assert voc_points.main(['scribbles', str(scribble_xml), str(tmp_path),
                            '--img-dir', str(voc_root / 'JPEGImages')]) == 0
    expected = voc_root / 'ScribbleSup' / 'points_r000'
    for fname in os.listdir(expected):
        np.testing.assert_array_equal(_png(tmp_path / 'points_r000' / fname),
                                      _png(expected / fname))
    _assert_points_format(tmp_path / 'points_r000.json')
    assert _point_table(tmp_path / 'points_r000.json') == _point_table(
        voc_root / 'ScribbleSup' / 'points_r000.json')


def test_points_from_masks(voc_points, voc_root, tmp_path):
    assert voc_points.main(['masks', str(voc_root), '--out-dir',
                            str(tmp_path)]) == 0
    _assert_points_format(tmp_path / 'points_mask.json')
    table = _point_table(tmp_path / 'points_mask.json')
    assert sorted(table) == ['2007_000032', '2007_000039', '2008_000002']
    for img_id, points in table.items():
        cls = _png(voc_root / 'SegmentationClassAug' / f'{img_id}.png')
        sparse = _png(tmp_path / 'points_mask' / f'{img_id}.png')
        assert (sparse != 254).sum() == len(points)
        present = sorted(int(c) for c in np.unique(cls) if c < 21)
        assert sorted({p[2] for p in points}) == present
        for col, row, label in points:
            assert cls[row, col] == label and sparse[row, col] == label
    # the dog (rows 8..25, columns 5..30) gets its point in the middle
    dog = [p for p in table['2008_000002'] if p[2] == 12]
    assert len(dog) == 1 and 14 <= dog[0][1] <= 19 and 14 <= dog[0][0] <= 21
    summary = convert_voc_mask_points(str(voc_root), out_dir=str(tmp_path),
                                      dilation=5)
    assert summary['images'] == 3 and summary['with_instances'] == 2
    assert summary['outputs'] == [str(tmp_path / 'points_mask_d5'),
                                  str(tmp_path / 'points_mask_d5.json')]
    _no_temp_files(tmp_path)


def test_mask_points_bad_inputs(voc_points, voc_root, tmp_path, capsys):
    root = tmp_path / 'VOC2012'
    shutil.copytree(voc_root, root)
    (root / 'SegmentationClassAug' / '2008_000002.png').unlink()
    with pytest.raises(FileNotFoundError, match='2008_000002.png'):
        convert_voc_mask_points(str(root))
    assert voc_points.main(['masks', str(root)]) == 2
    assert '2008_000002.png: mask not found' in capsys.readouterr().err
    assert voc_points.main(['masks', str(root), '--split', 'nosuch.txt']) == 2
    assert 'nosuch.txt: split file not found' in capsys.readouterr().err


# ------------------------------------------------------------- semi_splits
def _fake_voc_pools(root, n_train=1464, n_aug=10582):
    sets = root / 'ImageSets' / 'Segmentation'
    sets.mkdir(parents=True)
    train = [f'2007_{i:06d}' for i in range(n_train)]
    extra = [f'2008_{i:06d}' for i in range(n_aug - n_train)]
    (sets / 'train.txt').write_text('\n'.join(train) + '\n')
    (sets / 'trainaug.txt').write_text('\n'.join(sorted(train + extra)) + '\n')
    return set(train), set(train + extra)


def test_voc_semi_splits(semi_splits, tmp_path, capsys):
    train, trainaug = _fake_voc_pools(tmp_path / 'VOC2012')
    assert semi_splits.main(['voc', str(tmp_path / 'VOC2012')]) == 0
    assert '92 labeled, 10490 unlabeled' in capsys.readouterr().out
    out = tmp_path / 'VOC2012' / 'splits'
    previous = set()
    for count in (92, 183, 366, 732, 1464):
        labeled = _lines(out / str(count) / 'labeled.txt')
        unlabeled = _lines(out / str(count) / 'unlabeled.txt')
        assert len(labeled) == count == len(set(labeled))
        assert labeled == sorted(labeled) and unlabeled == sorted(unlabeled)
        assert set(labeled) <= train
        assert not set(labeled) & set(unlabeled)
        assert set(labeled) | set(unlabeled) == trainaug
        assert previous <= set(labeled)  # nested
        previous = set(labeled)
    assert previous == train
    _no_temp_files(out)


def test_voc_semi_splits_are_seeded(semi_splits, tmp_path):
    _fake_voc_pools(tmp_path / 'VOC2012', n_train=200, n_aug=500)
    root = str(tmp_path / 'VOC2012')

    def labeled(out, seed):
        semi_splits.voc_splits(root, str(out), counts=[20], seed=seed)
        return (out / '20' / 'labeled.txt').read_text()

    first = labeled(tmp_path / 'a', 0)
    assert labeled(tmp_path / 'b', 0) == first
    assert labeled(tmp_path / 'c', 1) != first
    with pytest.raises(ValueError, match='cannot draw 201'):
        semi_splits.voc_splits(root, str(tmp_path / 'd'), counts=[201])


def test_voc_semi_splits_bad_inputs_name_the_file(semi_splits, tmp_path):
    root = tmp_path / 'VOC2012'
    with pytest.raises(FileNotFoundError, match='train.txt'):
        semi_splits.voc_splits(str(root))
    _fake_voc_pools(root, n_train=10, n_aug=20)
    (root / 'ImageSets' / 'Segmentation' / 'trainaug.txt').write_text('\n')
    with pytest.raises(ValueError, match='trainaug.txt: split file lists no'):
        semi_splits.voc_splits(str(root), counts=[5])
    assert semi_splits.main(['voc', str(root), '--counts', '5']) == 2


def test_cityscapes_fractions(semi_splits, tmp_path, capsys):
    assert [semi_splits.fraction_count(2975, d) for d in (16, 8, 4, 2)] == \
        [186, 372, 744, 1488]
    root = tmp_path / 'cityscapes'
    ids = []
    for city in ('aachen', 'bochum', 'zurich'):
        folder = root / 'leftImg8bit' / 'train' / city
        folder.mkdir(parents=True)
        for i in range(11):
            name = f'{city}_{i:06d}_000019'
            (folder / f'{name}_leftImg8bit.png').write_bytes(b'')
            ids.append(f'{city}/{name}')
    assert semi_splits.main(['cityscapes', str(root)]) == 0
    sizes = {'1_16': 2, '1_8': 4, '1_4': 8, '1_2': 17}  # round(33 / d)
    for name, size in sizes.items():
        labeled = _lines(root / 'splits' / name / 'labeled.txt')
        unlabeled = _lines(root / 'splits' / name / 'unlabeled.txt')
        assert len(labeled) == size
        assert sorted(labeled + unlabeled) == sorted(ids)
    small = set(_lines(root / 'splits' / '1_16' / 'labeled.txt'))
    assert small <= set(_lines(root / 'splits' / '1_2' / 'labeled.txt'))
    empty = tmp_path / 'empty'
    (empty / 'leftImg8bit' / 'train').mkdir(parents=True)
    with pytest.raises(ValueError, match='train: no'):
        semi_splits.cityscapes_splits(str(empty))
    with pytest.raises(FileNotFoundError, match='leftImg8bit'):
        semi_splits.cityscapes_splits(str(tmp_path / 'nosuch'))
