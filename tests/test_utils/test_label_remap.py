"""Tests of :mod:`mmlabeleff.utils.label_remap`."""
import os

import numpy as np
import pytest
from PIL import Image

from mmlabeleff.testing.fake_datasets import write_truncated_png
from mmlabeleff.utils import (
    lookup_table,
    read_id_list,
    read_label_ids,
    remap_label_files,
)


def _lut():
    lut = np.full(256, 255, dtype=np.uint8)
    lut[7], lut[8], lut[26] = 0, 1, 13
    return lut


def _write_labels(folder, num):
    tasks, expected = [], []
    lut = _lut()
    for i in range(num):
        ids = np.array([[7, 8, 26], [0, 26, 7]], dtype=np.uint8) + 0
        ids[0, 0] = [7, 8, 26][i % 3]
        src = folder / f'{i}_labelIds.png'
        Image.fromarray(ids, mode='L').save(src)
        tasks.append((str(src), str(folder / 'out' / f'{i}_trainIds.png')))
        expected.append(lut[ids])
    return tasks, expected


def test_read_label_ids(tmp_path):
    ids = np.array([[0, 5], [255, 33]], dtype=np.uint8)
    Image.fromarray(ids, mode='L').save(tmp_path / 'grey.png')
    np.testing.assert_array_equal(read_label_ids(str(tmp_path / 'grey.png')),
                                  ids)
    pal = Image.fromarray(ids, mode='L').convert('P')
    pal.putpalette(list(range(256)) * 3)
    pal.save(tmp_path / 'pal.png')
    assert read_label_ids(str(tmp_path / 'pal.png')).dtype == np.uint8
    Image.new('RGB', (2, 2)).save(tmp_path / 'rgb.png')
    with pytest.raises(ValueError, match='rgb.png: expected a palette'):
        read_label_ids(str(tmp_path / 'rgb.png'))
    (tmp_path / 'bad.png').write_bytes(b'not a png')
    with pytest.raises(ValueError, match='bad.png: cannot read'):
        read_label_ids(str(tmp_path / 'bad.png'))
    with pytest.raises(FileNotFoundError, match='gone.png: mask not found'):
        read_label_ids(str(tmp_path / 'gone.png'), 'mask')
    png = write_truncated_png(tmp_path / 'cut.png')
    with pytest.raises(ValueError, match=f'{png}: cannot read the mask'):
        read_label_ids(str(png), 'mask')


@pytest.mark.parametrize('nproc', [1, 2])
def test_remap_label_files(tmp_path, nproc):
    tasks, expected = _write_labels(tmp_path, 5)
    done = remap_label_files(tasks, _lut(), nproc)
    assert sorted(done) == sorted(dst for _, dst in tasks)
    for (_, dst), exp in zip(tasks, expected):
        with Image.open(dst) as img:
            np.testing.assert_array_equal(np.array(img), exp)
    assert sorted(os.listdir(tmp_path / 'out')) == sorted(
        os.path.basename(dst) for _, dst in tasks)


def _first_channel_reader(path):
    with Image.open(path) as img:
        return np.array(img)[..., 0]


def test_remap_label_files_custom_reader(tmp_path):
    ids = np.zeros((2, 3, 3), dtype=np.uint8)
    ids[..., 0] = [[7, 8, 26], [1, 2, 3]]
    ids[..., 1] = 99
    Image.fromarray(ids, mode='RGB').save(tmp_path / 'a.png')
    dst = str(tmp_path / 'a_out.png')
    assert remap_label_files([(str(tmp_path / 'a.png'), dst)], _lut(), 1,
                             reader=_first_channel_reader) == [dst]
    with Image.open(dst) as img:
        np.testing.assert_array_equal(np.array(img), _lut()[ids[..., 0]])
    with pytest.raises(ValueError, match='expected a palette'):
        remap_label_files([(str(tmp_path / 'a.png'), dst)], _lut(), 1)


def test_remap_label_files_empty():
    assert remap_label_files([], _lut(), 1) == []
    assert remap_label_files([], _lut(), 2) == []


def test_list_label_tasks(tmp_path):
    from mmlabeleff.utils.label_remap import list_label_tasks
    src, out = tmp_path / 'labels', tmp_path / 'out'
    src.mkdir()
    out.mkdir()
    for name in ('b.png', 'a.png', 'a_ids.png', 'note.txt'):
        (src / name).write_bytes(b'')
    (out / 'b_ids.png').write_bytes(b'')
    tasks = list_label_tasks(str(src), str(out), '_ids.png')
    assert tasks == [(str(src / 'a.png'), str(out / 'a_ids.png'))]
    assert len(list_label_tasks(str(src), str(out), '_ids.png',
                                overwrite=True)) == 2
    with pytest.raises(FileNotFoundError, match='GTA5 label folder'):
        list_label_tasks(str(tmp_path / 'none'), str(out), '_ids.png',
                         'GTA5 label')


def test_lookup_table_values_and_fill():
    lut = lookup_table({7: 0, 8: 1, 26: 13})
    assert lut.dtype == np.uint8 and lut.shape == (256, )
    assert (lut[[7, 8, 26]] == [0, 1, 13]).all()
    others = np.setdiff1d(np.arange(256), [7, 8, 26])
    assert (lut[others] == 255).all()  # ignore by default
    np.testing.assert_array_equal(lookup_table({7: 0, 8: 1, 26: 13}), _lut())
    lut = lookup_table({3: 2, 40000: 5}, size=65536, fill=254)
    assert lut.shape == (65536, ) and lut[3] == 2 and lut[40000] == 5
    assert lut[0] == 254 and lut[65535] == 254
    assert (lut[np.array([[3, 0], [40000, 3]])] == [[2, 254], [5, 2]]).all()


def test_read_id_list(tmp_path):
    split = tmp_path / 'train.txt'
    split.write_text('2007_000032\n\n  2008_000002  \naachen/aachen_0\n')
    assert read_id_list(str(split)) == [
        '2007_000032', '2008_000002', 'aachen/aachen_0']
    with pytest.raises(FileNotFoundError, match=r'nosuch\.txt: split file '
                       'not found'):
        read_id_list(str(tmp_path / 'nosuch.txt'))
    split.write_text('\n \n')
    with pytest.raises(ValueError, match=r'train\.txt: split file lists no'):
        read_id_list(str(split))
    split.write_text('a.jpg a.png\n')
    with pytest.raises(ValueError, match=r"train\.txt: expected one image id "
                       "per line, got 'a.jpg a.png'"):
        read_id_list(str(split))
    split.write_bytes(b'\xff\xfe\x00bad')
    with pytest.raises(ValueError, match=r'train\.txt: split file is not text'):
        read_id_list(str(split))
