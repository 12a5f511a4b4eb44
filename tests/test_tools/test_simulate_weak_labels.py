"""Tests of the command line ``tools/dataset_converters/simulate_weak_labels.py``
(the library, :mod:`mmlabeleff.structures.weak_label_simulation`, is tested
in ``tests/test_structures``)."""
import json
import os
import os.path as osp

import numpy as np
import pytest
from PIL import Image

from mmlabeleff.structures import list_split_samples, simulate_weak_labels

SCRIPT = 'tools/dataset_converters/simulate_weak_labels.py'


@pytest.fixture(scope='module')
def tool(load_tool):
    return load_tool(SCRIPT)


def _tree(folder):
    """{relative path: bytes} of every file under ``folder``."""
    out = {}
    for root, _, files in os.walk(folder):
        for name in files:
            path = osp.join(root, name)
            with open(path, 'rb') as f:
                out[osp.relpath(path, folder)] = f.read()
    return out


def test_help(tool, capsys):
    with pytest.raises(SystemExit) as exc:
        tool.main(['--help'])
    assert exc.value.code == 0
    printed = capsys.readouterr().out
    assert '--scribble-ratios' in printed and '--scribble-width' in printed


def test_camvid_command_line_calls_the_library(tool, camvid_tiny_root,
                                               tmp_path, capsys):
    out = tmp_path / 'cli'
    argv = ['--dataset', 'camvid', '--data-root', str(camvid_tiny_root),
            '--split', 'train', '--out-dir', str(out), '--workers', '2',
            '--types', 'tags', 'scribbles', 'points', '--scribble-ratios',
            '1', '0.5', '--min-area', '4', '--seed', '3']
    assert tool.main(argv) == 0
    printed = capsys.readouterr().out
    assert f'Wrote weak labels of 4 images to {out}' in printed
    assert 'scribbles_r050' in printed and 'objects without label' in printed
    samples, classes, label_map = list_split_samples(str(camvid_tiny_root))
    lib = tmp_path / 'lib'
    simulate_weak_labels(
        samples, str(lib), len(classes), classes=classes,
        label_map=label_map, types=['tags', 'scribbles', 'points'],
        scribble_ratios=[1.0, 0.5], min_area=4, seed=3, workers=1,
        dataset='camvid', source=f'{camvid_tiny_root}, split train')
    assert _tree(out) == _tree(lib)
    assert sorted(f for f in _tree(out) if os.sep not in f) == [
        'points_n1.json', 'stats.json', 'stats.md', 'tags.json']


def test_scribble_width_option(tool, camvid_tiny_root, tmp_path, capsys):
    out = tmp_path / 'w3'
    assert tool.main([
        '--data-root', str(camvid_tiny_root), '--out-dir', str(out),
        '--types', 'scribbles', '--scribble-ratios', '1', '--workers', '1',
        '--scribble-width', '3']) == 0
    assert 'scribbles_r100_w3' in capsys.readouterr().out
    stats = json.loads((out / 'stats.json').read_text())
    assert stats['config']['options']['scribble_width'] == 3
    assert sorted(os.listdir(out)) == ['scribbles_r100_w3', 'stats.json',
                                       'stats.md']
    assert tool.main([
        '--data-root', str(camvid_tiny_root), '--out-dir', str(out),
        '--types', 'scribbles', '--scribble-width', '4']) == 2
    assert 'scribble_width must be an odd' in capsys.readouterr().err


def test_folder_command_line(tool, tmp_path):
    for sub in ('img/x', 'ann/x'):
        os.makedirs(tmp_path / sub)
    mask = np.array([[0, 0, 1, 7], [0, 0, 1, 7]], np.uint8)
    Image.fromarray(np.zeros((2, 4, 3), np.uint8)).save(
        tmp_path / 'img' / 'x' / 'a.jpg')
    Image.fromarray(mask).save(tmp_path / 'ann' / 'x' / 'a.png')
    out = tmp_path / 'out'
    assert tool.main([
        '--dataset', 'folder', '--img-dir', str(tmp_path / 'img'),
        '--ann-dir', str(tmp_path / 'ann'), '--num-classes', '2',
        '--void-id', '7', '--classes', 'road', 'car', '--types', 'tags',
        'partial', '--partial-fraction', '1', '--min-area', '0',
        '--out-dir', str(out)]) == 0
    assert json.loads((out / 'tags.json').read_text()) == {'x/a': [0, 1]}
    partial = np.array(Image.open(out / 'partial_f100' / 'x' / 'a.png'))
    np.testing.assert_array_equal(partial, np.where(mask == 7, 255, mask))
    stats = json.loads((out / 'stats.json').read_text())
    assert stats['classes'] == ['road', 'car']
    assert stats['config']['dataset'] == 'folder'
    assert stats['config']['source'] == f"{tmp_path / 'img'}, {tmp_path / 'ann'}"


def test_bad_inputs_exit_2_naming_the_file(tool, tmp_path, capsys):
    assert tool.main(['--data-root', str(tmp_path / 'no_such_root'),
                      '--out-dir', str(tmp_path / 'o')]) == 2
    assert 'no_such_root' in capsys.readouterr().err
    assert tool.main(['--dataset', 'folder', '--img-dir', str(tmp_path),
                      '--ann-dir', str(tmp_path), '--out-dir',
                      str(tmp_path / 'o')]) == 2
    assert '--num-classes' in capsys.readouterr().err
    os.makedirs(tmp_path / 'img')
    Image.fromarray(np.zeros((2, 2, 3), np.uint8)).save(tmp_path / 'img' / 'a.jpg')
    assert tool.main(['--dataset', 'folder', '--img-dir', str(tmp_path / 'img'),
                      '--ann-dir', str(tmp_path), '--num-classes', '2',
                      '--out-dir', str(tmp_path / 'o')]) == 2
    assert 'a.png: label map of' in capsys.readouterr().err
