"""Tests of :mod:`mmlabeleff.utils.atomic_io`."""
import json
import os
import stat

import numpy as np
import pytest
from PIL import Image

from mmlabeleff.utils import (
    dump_json_atomic,
    save_png_atomic,
    write_bytes_atomic,
    write_text_atomic,
)


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def _only(folder, name):
    assert sorted(os.listdir(folder)) == [name]


def test_write_bytes_atomic(tmp_path):
    path = tmp_path / 'sub' / 'dir' / 'a.bin'
    write_bytes_atomic(path, b'\x00\x01abc')
    assert path.read_bytes() == b'\x00\x01abc'
    assert _mode(path) == 0o644
    _only(path.parent, 'a.bin')
    write_bytes_atomic(str(path), b'new')
    assert path.read_bytes() == b'new'
    _only(path.parent, 'a.bin')


def test_write_text_atomic(tmp_path):
    path = tmp_path / 'a.txt'
    write_text_atomic(path, 'h\u00e9llo\nworld\n')
    assert path.read_text(encoding='utf-8') == 'h\u00e9llo\nworld\n'
    assert _mode(path) == 0o644
    _only(tmp_path, 'a.txt')


def test_dump_json_atomic(tmp_path):
    path = tmp_path / 'out' / 'a.json'
    obj = {'b': [1, 2], 'a': None}
    dump_json_atomic(path, obj, indent=2, sort_keys=True)
    assert path.read_text() == json.dumps(obj, indent=2, sort_keys=True)
    assert json.loads(path.read_text()) == obj
    assert _mode(path) == 0o644
    _only(path.parent, 'a.json')


def test_dump_json_atomic_failure_keeps_old_file(tmp_path):
    path = tmp_path / 'a.json'
    dump_json_atomic(path, {'x': 1})
    with pytest.raises(TypeError):
        dump_json_atomic(path, {'x': object()})
    assert json.loads(path.read_text()) == {'x': 1}
    _only(tmp_path, 'a.json')


def test_failure_without_target_leaves_nothing(tmp_path):
    with pytest.raises(TypeError):
        dump_json_atomic(tmp_path / 'a.json', [1, {2, 3}])
    assert os.listdir(tmp_path) == []
    with pytest.raises(TypeError):
        write_bytes_atomic(tmp_path / 'b.bin', 'not bytes')
    assert os.listdir(tmp_path) == []


def test_interrupted_write_is_cleaned_up(tmp_path, monkeypatch):
    path = tmp_path / 'a.txt'
    write_text_atomic(path, 'old')

    def failing_replace(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, 'replace', failing_replace)
    with pytest.raises(KeyboardInterrupt):
        write_text_atomic(path, 'new')
    monkeypatch.undo()
    assert path.read_text() == 'old'
    _only(tmp_path, 'a.txt')


@pytest.mark.parametrize('shape', [(5, 7), (5, 7, 3)])
def test_save_png_atomic(tmp_path, shape):
    rng = np.random.default_rng(0)
    array = rng.integers(0, 256, size=shape, dtype=np.uint8)
    path = tmp_path / 'png' / 'a.png'
    save_png_atomic(path, array[::1])
    with Image.open(path) as img:
        assert img.format == 'PNG'
        assert img.mode == ('L' if len(shape) == 2 else 'RGB')
        np.testing.assert_array_equal(np.array(img), array)
    assert _mode(path) == 0o644
    _only(path.parent, 'a.png')


def test_save_png_atomic_non_contiguous(tmp_path):
    array = np.arange(48, dtype=np.uint8).reshape(6, 8)[:, ::2]
    save_png_atomic(tmp_path / 'a.png', array)
    with Image.open(tmp_path / 'a.png') as img:
        np.testing.assert_array_equal(np.array(img), array)


def test_save_png_atomic_bad_array_keeps_old_file(tmp_path):
    path = tmp_path / 'a.png'
    save_png_atomic(path, np.zeros((2, 2), dtype=np.uint8))
    before = path.read_bytes()
    with pytest.raises(TypeError):
        save_png_atomic(path, np.zeros((2, 2, 7), dtype=np.uint8))
    assert path.read_bytes() == before
    _only(tmp_path, 'a.png')
