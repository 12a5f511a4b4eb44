"""The PASCAL converters of tools/dataset_converters on tiny fake data."""
import importlib.util
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from scipy.io import savemat

REPO_ROOT = Path(__file__).resolve().parents[2]
TOOLS = REPO_ROOT / 'tools' / 'dataset_converters'
VOC_TINY = REPO_ROOT / 'tests' / 'data' / 'voc_tiny'
VOC_ROOT = VOC_TINY / 'VOCdevkit' / 'VOC2012'
SCRIBBLE_XML = VOC_TINY / 'scribble_annotation' / 'pascal_2012'
CTX_TINY = REPO_ROOT / 'tests' / 'data' / 'pascal_context_tiny'


def _load(name):
    spec = importlib.util.spec_from_file_location(name, TOOLS / f'{name}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def voc_aug():
    return _load('voc_aug')


@pytest.fixture(scope='module')
def scribblesup():
    return _load('scribblesup')


@pytest.fixture(scope='module')
def voc_points():
    return _load('voc_points')


@pytest.fixture(scope='module')
def semi_splits():
    return _load('semi_splits')


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


@pytest.mark.parametrize('tool', ['voc_aug', 'scribblesup', 'voc_points',
                                  'semi_splits'])
def test_help(tool, capsys):
    module = _load(tool)
    with pytest.raises(SystemExit) as exc:
        module.main(['--help'])
    assert exc.value.code == 0
    assert 'usage:' in capsys.readouterr().out


# ----------------------------------------------------------------- voc_aug
def _fake_devkit(tmp_path):
    """VOC 2012 without its aug outputs, plus an SBD with 3 .mat masks."""
    devkit = tmp_path / 'VOCdevkit'
    voc = devkit / 'VOC2012'
    shutil.copytree(VOC_ROOT, voc)
    shutil.rmtree(voc / 'SegmentationClassAug')
    for name in ('trainaug.txt', 'aug.txt'):
        (voc / 'ImageSets' / 'Segmentation' / name).unlink()
    sbd = devkit / 'VOCaug' / 'dataset'
    (sbd / 'cls').mkdir(parents=True)
    masks = {
        # SBD-only image: its mask is what the converter must reproduce
        '2008_000002': _png(VOC_ROOT / 'SegmentationClassAug' /
                            '2008_000002.png'),
    }
    for img_id in ('2007_000039', '2007_000033'):  # also VOC seg images
        mask = _png(VOC_ROOT / 'SegmentationClass' / f'{img_id}.png')
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


def test_voc_aug_reproduces_the_tiny_dataset(voc_aug, tmp_path, capsys):
    devkit = _fake_devkit(tmp_path)
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
        os.listdir(VOC_ROOT / 'SegmentationClassAug'))
    for name in os.listdir(out):
        assert Image.open(out / name).mode == 'L'
        np.testing.assert_array_equal(
            _png(out / name), _png(VOC_ROOT / 'SegmentationClassAug' / name))
    # VOC's own masks (with void) replace SBD's where both exist
    np.testing.assert_array_equal(
        _png(out / '2007_000039.png'),
        _png(voc / 'SegmentationClass' / '2007_000039.png'))
    _no_temp_files(devkit)


def test_voc_aug_bad_inputs_name_the_file(voc_aug, tmp_path):
    devkit = _fake_devkit(tmp_path)
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


# ------------------------------------------------------------- scribblesup
def test_scribblesup_reproduces_the_tiny_sparse_maps(scribblesup, tmp_path):
    summary = scribblesup.convert(
        str(SCRIBBLE_XML), str(tmp_path), ratios=[1.0, 0.0],
        img_dir=str(VOC_ROOT / 'JPEGImages'))
    assert summary['images'] == 3 and summary['scribbles'] == 8
    for name in ('scribbles_r100', 'points_r000'):
        expected = VOC_ROOT / 'ScribbleSup' / name
        assert sorted(os.listdir(tmp_path / name)) == sorted(
            os.listdir(expected))
        for fname in os.listdir(expected):
            np.testing.assert_array_equal(_png(tmp_path / name / fname),
                                          _png(expected / fname))
    assert json.loads((tmp_path / 'points_r000.json').read_text()) == \
        json.loads((VOC_ROOT / 'ScribbleSup' / 'points_r000.json').read_text())
    _no_temp_files(tmp_path)


def test_scribbles_are_1px_polylines_on_unlabeled(scribblesup):
    scribbles = [(3, np.array([[1, 1], [8, 1], [8, 5]])),
                 (7, np.array([[0, 9], [0, 9]]))]
    label_map, centres = scribblesup.rasterise(scribbles, 10, 12)
    assert label_map.dtype == np.uint8
    assert (label_map[1, 1:9] == 3).all() and (label_map[1:6, 8] == 3).all()
    assert (label_map == 3).sum() == 12
    assert label_map[9, 0] == 7 and (label_map == 7).sum() == 1
    assert set(np.unique(label_map)) == {3, 7, 254}
    assert centres == []
    thick, _ = scribblesup.rasterise(scribbles, 10, 12, dilation=3)
    assert ((label_map == 3) <= (thick == 3)).all()
    assert (thick == 3).sum() > 2 * (label_map == 3).sum()


def test_length_ratios_keep_a_centred_sub_polyline(scribblesup):
    line = np.array([[0.0, 0.0], [10.0, 0.0], [10.0, 10.0]])  # length 20
    half = scribblesup.sub_polyline(line, 0.5)
    np.testing.assert_allclose(half, [[5, 0], [10, 0], [10, 5]])
    np.testing.assert_allclose(scribblesup.sub_polyline(line, 0.0),
                               [[10, 0]])
    np.testing.assert_allclose(scribblesup.sub_polyline(line, 1.0), line)
    for ratio in (0.8, 0.3):
        part = scribblesup.sub_polyline(line, ratio)
        length = np.hypot(*np.diff(part, axis=0).T).sum()
        assert length == pytest.approx(20 * ratio)
    label_map, centres = scribblesup.rasterise([(2, line)], 12, 12, ratio=0.0,
                                               dilation=6)
    assert centres == [[10, 0, 2]]
    assert label_map[0, 10] == 2 and 6 < (label_map == 2).sum() < 36
    with pytest.raises(ValueError):
        scribblesup.sub_polyline(line, 1.5)


def test_scribblesup_ratio_folders_and_names(scribblesup, tmp_path):
    ratios = [1.0, 0.8, 0.5, 0.3, 0.0]
    summary = scribblesup.convert(str(SCRIBBLE_XML), str(tmp_path),
                                  ratios=ratios, dilation=3)
    names = ['scribbles_r100_d3', 'scribbles_r080_d3', 'scribbles_r050_d3',
             'scribbles_r030_d3', 'points_r000_d3']
    assert list(summary['labeled']) == names
    fractions = [summary['labeled'][n] for n in names]
    assert fractions == sorted(fractions, reverse=True)
    assert sorted(os.listdir(tmp_path)) == sorted(names + [
        'points_r000_d3.json'])
    assert scribblesup.output_name('context59', 1.0) == \
        'context59_scribbles_r100'


def test_scribble_coordinates_are_clipped_and_offset(scribblesup, tmp_path):
    # 2008_000002's background scribble ends at X=52 in a 48-wide image
    scribblesup.convert(str(SCRIBBLE_XML), str(tmp_path))
    label_map = _png(tmp_path / 'scribbles_r100' / '2008_000002.png')
    assert label_map[28, 47] == 0
    shifted = tmp_path / 'shifted'
    scribblesup.convert(str(SCRIBBLE_XML), str(shifted), coord_offset=-1)
    moved = _png(shifted / 'scribbles_r100' / '2008_000002.png')
    assert moved[11, 7] == 12 and label_map[12, 8] == 12


def test_context59_background_is_ignored(scribblesup, tmp_path):
    xml_dir = CTX_TINY / 'scribble_annotation' / 'pascal_context'
    scribblesup.convert(str(xml_dir), str(tmp_path), dataset='context59')
    scribblesup.convert(str(xml_dir), str(tmp_path), dataset='context60')
    m59 = _png(tmp_path / 'context59_scribbles_r100' / '2008_000002.png')
    m60 = _png(tmp_path / 'context60_scribbles_r100' / '2008_000002.png')
    labelled = m60 != 254
    assert ((m59 == 254) == ~labelled).all()
    assert (m59[m60 == 0] == 255).all()
    assert (m59[labelled & (m60 > 0)] == m60[labelled & (m60 > 0)] - 1).all()


def _write_xml(folder, name, text):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)


def test_scribblesup_bad_inputs_name_the_file(scribblesup, tmp_path):
    good = (SCRIBBLE_XML / '2007_000032.xml').read_text()
    xml_dir = tmp_path / 'xml'
    _write_xml(xml_dir, 'a.xml', good.replace('<tag>plane</tag>',
                                              '<tag>unicorn</tag>'))
    with pytest.raises(ValueError, match="a.xml: unknown class name "
                       "'unicorn'"):
        scribblesup.convert(str(xml_dir), str(tmp_path / 'out'))
    summary = scribblesup.convert(str(xml_dir), str(tmp_path / 'out'),
                                  skip_unknown=True)
    assert summary['skipped'] == 1 and summary['scribbles'] == 2
    _write_xml(xml_dir, 'a.xml', good[:150])
    with pytest.raises(ValueError, match='a.xml: malformed XML'):
        scribblesup.convert(str(xml_dir), str(tmp_path / 'out'))
    _write_xml(xml_dir, 'a.xml', '<annotation><size><width>4</width>'
               '<height>4</height></size><polygon><tag>dog</tag></polygon>'
               '</annotation>')
    with pytest.raises(ValueError, match='a.xml: <polygon> 0 .* no <point>'):
        scribblesup.convert(str(xml_dir), str(tmp_path / 'out'))
    _write_xml(xml_dir, 'a.xml', '<annotation><polygon><tag>dog</tag><point>'
               '<X>1</X><Y>1</Y></point></polygon></annotation>')
    with pytest.raises(ValueError, match='a.xml: no <size>'):
        scribblesup.convert(str(xml_dir), str(tmp_path / 'out'))
    split = tmp_path / 'split.txt'
    split.write_text('a\nb\n')
    with pytest.raises(FileNotFoundError, match='b.xml'):
        scribblesup.convert(str(xml_dir), str(tmp_path / 'out'),
                            split=str(split))
    split.write_text('')
    with pytest.raises(ValueError, match='split.txt: split file lists no'):
        scribblesup.convert(str(xml_dir), str(tmp_path / 'out'),
                            split=str(split))
    empty = tmp_path / 'empty'
    empty.mkdir()
    with pytest.raises(ValueError, match='empty: no .xml files'):
        scribblesup.convert(str(empty), str(tmp_path / 'out'))
    assert scribblesup.main([str(tmp_path / 'nosuch'), str(tmp_path)]) == 2


# -------------------------------------------------------------- voc_points
def test_points_from_scribbles_match_scribblesup(voc_points, tmp_path):
    assert voc_points.main(['scribbles', str(SCRIBBLE_XML), str(tmp_path),
                            '--img-dir', str(VOC_ROOT / 'JPEGImages')]) == 0
    expected = VOC_ROOT / 'ScribbleSup' / 'points_r000'
    for fname in os.listdir(expected):
        np.testing.assert_array_equal(_png(tmp_path / 'points_r000' / fname),
                                      _png(expected / fname))


def test_points_from_masks(voc_points, tmp_path):
    summary = voc_points.convert_masks(str(VOC_ROOT), out_dir=str(tmp_path))
    assert summary['images'] == 3 and summary['with_instances'] == 2
    table = json.loads((tmp_path / 'points_mask.json').read_text())
    assert sorted(table) == ['2007_000032', '2007_000039', '2008_000002']
    for img_id, points in table.items():
        cls = _png(VOC_ROOT / 'SegmentationClassAug' / f'{img_id}.png')
        sparse = _png(tmp_path / 'points_mask' / f'{img_id}.png')
        assert (sparse != 254).sum() == len(points)
        present = sorted(int(c) for c in np.unique(cls) if c < 21)
        assert sorted({p[2] for p in points}) == present
        for col, row, label in points:
            assert cls[row, col] == label and sparse[row, col] == label
    # the dog (rows 8..25, columns 5..30) gets its point in the middle
    dog = [p for p in table['2008_000002'] if p[2] == 12]
    assert len(dog) == 1 and 14 <= dog[0][1] <= 19 and 14 <= dog[0][0] <= 21
    _no_temp_files(tmp_path)


def test_mask_points_use_instances_and_clip_dilation(voc_points):
    cls = np.zeros((20, 30), np.uint8)
    cls[2:8, 2:10] = 1
    cls[12:18, 15:28] = 1
    inst = np.zeros_like(cls)
    inst[2:8, 2:10] = 1
    inst[12:18, 15:28] = 2
    label_map, points = voc_points.points_from_masks(cls, inst, dilation=5)
    assert sorted(p[2] for p in points) == [0, 1, 1]  # two instances
    assert (label_map[cls == 0] != 1).all()  # dilated points stay inside
    # without instances the two blobs are two components: same points
    _, by_components = voc_points.points_from_masks(cls, None)
    assert sorted(map(tuple, by_components)) == sorted(map(tuple, points))
    # a small speck gets no point unless it is the class's largest region
    cls[0, 29] = 1
    _, points = voc_points.points_from_masks(cls, None, min_area=4)
    assert sorted(p[2] for p in points) == [0, 1, 1]
    _, points = voc_points.points_from_masks(cls, None, min_area=4,
                                             background=False)
    assert sorted(p[2] for p in points) == [1, 1]


def test_mask_points_bad_inputs(voc_points, tmp_path):
    root = tmp_path / 'VOC2012'
    shutil.copytree(VOC_ROOT, root)
    (root / 'SegmentationClassAug' / '2008_000002.png').unlink()
    with pytest.raises(FileNotFoundError, match='2008_000002.png'):
        voc_points.convert_masks(str(root))
    assert voc_points.main(['masks', str(root), '--split', 'nosuch.txt']) == 2


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
