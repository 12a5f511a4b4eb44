"""Tests of the command line ``tools/analysis_tools/class_weights.py`` (the
library, :mod:`mmlabeleff.structures.class_weights`, is tested in
``tests/test_structures``)."""
import ast
import json

import numpy as np
import pytest
from PIL import Image

SCRIPT = 'tools/analysis_tools/class_weights.py'


@pytest.fixture(scope='module')
def tool(load_tool):
    return load_tool(SCRIPT)


@pytest.fixture
def folder(tmp_path):
    out = tmp_path / 'labels'
    out.mkdir()
    Image.fromarray(np.array([[0, 0, 1, 9], [0, 255, 1, 254]],
                             np.uint8)).save(out / 'a.png')
    Image.fromarray(np.array([[1, 2], [2, 2]], np.uint8)).save(out / 'b.png')
    return out


def test_prints_a_list_to_paste(tool, folder, tmp_path, capsys):
    out = tmp_path / 'w' / 'weights.json'
    assert tool.main([str(folder), '--num-classes', '3', '--void-id', '9',
                      '--classes', 'road', 'car', 'tree', '--out',
                      str(out)]) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    assert printed[-1] == 'class_weight=[1.0, 1.8, 0.8]'
    assert ast.literal_eval(printed[-1].split('=', 1)[1]) == [1.0, 1.8, 0.8]
    assert '| 1 car | 3 | 2 |' in '\n'.join(printed)
    saved = json.loads(out.read_text())
    assert saved['weights'] == [1.0, 1.8, 0.8]
    assert saved['classes'] == ['road', 'car', 'tree']
    assert not [p for p in out.parent.iterdir() if p.name.startswith('.')]


def test_denominator_and_missing_classes(tool, folder, capsys):
    assert tool.main([str(folder), '--num-classes', '4', '--denominator',
                      'image', '--decimals', '2']) == 0
    printed = capsys.readouterr().out
    # all pixels: freq = 3/8, 3/12, 3/4
    assert printed.strip().splitlines()[-1] == \
        'class_weight=[1.0, 1.5, 0.5, 0.0]'
    assert 'without a labelled pixel (weight 0): [3]' in printed


def test_errors(tool, tmp_path, capsys):
    assert tool.main([str(tmp_path / 'nope'), '--num-classes', '3']) == 2
    assert 'folder not found' in capsys.readouterr().err
    with pytest.raises(SystemExit):
        tool.main([str(tmp_path), '--num-classes', '3', '--classes', 'a'])
