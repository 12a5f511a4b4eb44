"""tools/dataset_converters/{coco_weak,cityscapes,gta5,synthia}.py."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

CONVERTERS = 'tools/dataset_converters'
# label ids 7, 26, 0, 33, 9, 23, 31, 22 -> train ids
CS_TRAIN_IDS = [0, 13, 255, 18, 255, 10, 16, 9]
# SYNTHIA ids 3, 8, 0, 16, 22, 1, 21, 11 -> train ids
SYN_TRAIN_IDS = [0, 13, 255, 255, 255, 10, 3, 18]


@pytest.fixture
def load(load_tool):
    """Import a converter by name (registered in ``sys.modules`` by
    ``load_tool``, so that worker processes can unpickle its functions)."""
    return lambda name: load_tool(f'{CONVERTERS}/{name}.py')


@pytest.fixture(scope='module')
def data(repo_root):
    return repo_root / 'tests' / 'data'


def _read(path):
    return np.array(Image.open(path))


def _copy(data, name, tmp_path):
    root = tmp_path / name
    shutil.copytree(data / name, root)
    return root


def _no_temp_files(root):
    return not [p for p in Path(root).rglob('.*') if p.is_file()]


@pytest.mark.parametrize('name', ['coco_weak', 'cityscapes', 'gta5', 'synthia'])
def test_help(name, load, capsys):
    with pytest.raises(SystemExit) as exc:
        load(name).main(['--help'])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert 'usage:' in out and '--nproc' in out


def test_help_as_a_script_is_fast_and_light(repo_root):
    result = subprocess.run(
        [sys.executable, str(repo_root / CONVERTERS / 'gta5.py'), '--help'],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and '--overwrite' in result.stdout


def test_coco_renders_maps_and_tags(load, data, tmp_path):
    root = _copy(data, 'coco_tiny', tmp_path)
    shutil.rmtree(root / 'semantic')
    conv = load('coco_weak')
    tags = tmp_path / 'tags.json'
    assert conv.main([str(root), '--split', 'train2017',
                      '--tags-file', str(tags)]) == 3
    out = root / 'semantic' / 'train2017'
    seg = _read(out / '000000000001.png')
    assert seg.dtype == np.uint8 and seg.shape == (32, 64)
    # person 1, the smaller dog (17) on top, car 3, crowd 255, background 0
    assert (seg[5, 5], seg[15, 15], seg[4, 44], seg[15, 55], seg[15, 62]) == (
        1, 17, 3, 255, 0)
    assert seg[0:32, 0:10].tolist() == [[1] * 10] * 32
    assert set(np.unique(_read(out / '000000000002.png'))) == {0, 80}
    assert not _read(out / '000000000003.png').any()
    for name in ('000000000001', '000000000002', '000000000003'):
        np.testing.assert_array_equal(
            _read(out / f'{name}.png'),
            _read(data / 'coco_tiny/semantic/train2017' / f'{name}.png'))
    assert json.loads(tags.read_text()) == {
        '000000000001.jpg': [1, 3, 17],
        '000000000002.jpg': [80],
        '000000000003.jpg': []
    }
    assert _no_temp_files(root) and _no_temp_files(tmp_path)
    # existing maps are skipped; --overwrite with workers rewrites them
    assert conv.main([str(root), '--split', 'train2017']) == 0
    assert conv.main([str(root), '--split', 'train2017', '--overwrite',
                      '--nproc', '2']) == 3
    np.testing.assert_array_equal(_read(out / '000000000001.png'), seg)
    other = tmp_path / 'other'
    assert conv.main([str(root), '--split', 'val2014', '--out-dir',
                      str(other)]) == 1
    assert _read(other / 'COCO_val2014_000000000042.png')[16, 16] == 2


def test_coco_errors_name_the_files(load, data, tmp_path):
    root = _copy(data, 'coco_tiny', tmp_path)
    conv = load('coco_weak')
    with pytest.raises(FileNotFoundError, match='instances_train2015.json'):
        conv.main([str(root), '--split', 'train2015'])
    ann = root / 'annotations' / 'instances_train2017.json'
    data = json.loads(ann.read_text())
    data['annotations'][1]['segmentation'] = {'size': [32, 64]}
    ann.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=f'{ann}: image 000000000001.jpg'):
        conv.main([str(root), '--split', 'train2017', '--overwrite'])


def test_cityscapes_writes_missing_train_ids(load, data, tmp_path):
    root = _copy(data, 'cityscapes_tiny', tmp_path)
    removed = sorted(root.rglob('*_gtFine_labelTrainIds.png'))
    assert len(removed) == 3
    for path in removed[:2]:
        os.remove(path)
    conv = load('cityscapes')
    assert conv.main([str(root)]) == 2  # only the absent ones
    for i, path in enumerate(removed):
        seg = _read(path)
        shift = {'aachen': 0, 'bochum': 1, 'frankfurt': 2}[path.parent.name]
        expected = CS_TRAIN_IDS[shift:] + CS_TRAIN_IDS[:shift]
        assert seg.dtype == np.uint8 and seg[:, ::8].tolist() == [expected] * 32
    assert conv.main([str(root), '--overwrite', '--nproc', '2']) == 3
    assert _no_temp_files(root)
    with pytest.raises(FileNotFoundError, match='gtCoarse: Cityscapes'):
        conv.main([str(root), '--gt-dir', 'gtCoarse'])


def test_gta5_maps_label_ids(load, data, tmp_path):
    root = _copy(data, 'gta5_tiny', tmp_path)
    for path in root.glob('labels/*_labelTrainIds.png'):
        os.remove(path)
    conv = load('gta5')
    assert conv.main([str(root), '--nproc', '2']) == 2
    for i, name in enumerate(('00001', '00002')):
        seg = _read(root / 'labels' / f'{name}_labelTrainIds.png')
        expected = CS_TRAIN_IDS[i:] + CS_TRAIN_IDS[:i]
        assert seg[:, ::8].tolist() == [expected] * 32
    assert conv.main([str(root)]) == 0
    out = tmp_path / 'out'
    assert conv.main([str(root), '--out-dir', str(out)]) == 2
    assert sorted(p.name for p in out.iterdir()) == [
        '00001_labelTrainIds.png', '00002_labelTrainIds.png'
    ]
    assert _no_temp_files(root) and _no_temp_files(out)
    bad = root / 'labels' / '00003.png'
    Image.new('RGB', (8, 8)).save(bad)
    with pytest.raises(ValueError, match=f'{bad}: expected a palette'):
        conv.main([str(root)])
    bad.write_bytes(b'not a png')
    with pytest.raises(ValueError, match=f'{bad}: cannot read'):
        conv.main([str(root)])
    with pytest.raises(FileNotFoundError, match='nowhere/labels: GTA5'):
        conv.main([str(tmp_path / 'nowhere')])


def test_synthia_reads_the_first_channel(load, data, tmp_path):
    root = _copy(data, 'synthia_tiny', tmp_path)
    labels = root / 'GT' / 'LABELS'
    for path in labels.glob('*_labelTrainIds.png'):
        os.remove(path)
    # a single-channel 16-bit label is read as class ids too
    cv2.imwrite(str(labels / '0000002.png'),
                np.full((4, 4), 19, dtype=np.uint16))
    conv = load('synthia')
    assert conv.main([str(root)]) == 3
    for i, name in enumerate(('0000000', '0000001')):
        seg = _read(labels / f'{name}_labelTrainIds.png')
        expected = SYN_TRAIN_IDS[i:] + SYN_TRAIN_IDS[:i]
        assert seg.dtype == np.uint8 and seg[:, ::8].tolist() == [expected] * 32
        np.testing.assert_array_equal(
            seg, _read(data / 'synthia_tiny/GT/LABELS' /
                       f'{name}_labelTrainIds.png'))
    assert _read(labels / '0000002_labelTrainIds.png').tolist() == [[15] * 4] * 4
    assert _no_temp_files(root)
    bad = labels / '0000003.png'
    bad.write_bytes(b'not a png')
    with pytest.raises(ValueError, match=f'{bad}: cannot read'):
        conv.main([str(root)])
