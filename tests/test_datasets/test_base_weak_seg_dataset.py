"""BaseWeakSegDataset: checks, split files, weak-label names, JSON readers."""
import json
import re

import numpy as np
import pytest
from PIL import Image

from mmlabeleff.datasets import BaseWeakSegDataset, VOCWeakDataset
from mmlabeleff.datasets.base_weak_seg_dataset import (
    read_json,
    require_file,
)
from mmlabeleff.structures.weak_label_files import (
    BOXES_FILE,
    POINTS_FORMAT,
    TAGS_FILE,
    point_record,
    points_file_name,
    sparse_map_file,
)
from mmlabeleff.testing.fake_datasets import (
    BASE_INFO_KEYS,
    build_dataset,
    data_infos,
)

IDS = ('a', 'b')


class FolderDataset(BaseWeakSegDataset):
    """Images and masks in folders, sparse maps under data_prefix."""
    METAINFO = dict(classes=('x', 'y', 'z'))
    SUPPORTED_SUPERVISION = ('full', 'scribbles', 'points', 'partial',
                             'unlabeled')


class SimulatedDataset(BaseWeakSegDataset):
    """The same folders, weak labels simulated under weak_root."""
    METAINFO = dict(classes=('x', 'y', 'z'))
    WEAK_LABELS_FROM_ROOT = True


def _png(path, value=1, shape=(8, 10)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full(shape, value, np.uint8)).save(path)


@pytest.fixture
def root(tmp_path):
    """img/<id>.png, ann/<id>.png, sparse/<id>.png and a weak_root."""
    root = tmp_path / 'data'
    weak = root / 'weak'
    for img_id in IDS:
        _png(root / 'img' / f'{img_id}.png')
        _png(root / 'ann' / f'{img_id}.png')
        _png(root / 'sparse' / f'{img_id}.png', 254)
        for folder in ('scribbles_r100', 'points_n1', 'partial_f010'):
            _png(weak / folder / f'{img_id}.png', 254)
    (weak / TAGS_FILE).write_text(json.dumps({'a': [0, 2], 'b': [1]}))
    (weak / BOXES_FILE).write_text(json.dumps({
        'a': [dict(bbox=[0, 0, 4, 4], bbox_label=2, ignore_flag=0)],
        'b': []
    }))
    (weak / points_file_name('points_n1')).write_text(
        json.dumps({
            'a': [point_record(1, 2, 0)],
            'b': [point_record(3, 4, 1), point_record(5, 6, 2)]
        }))
    return root


PREFIX = dict(img_path='img', seg_map_path='ann', sparse_map_path='sparse')


def _folder(root, **kwargs):
    kwargs.setdefault('data_prefix', PREFIX)
    kwargs.setdefault('img_suffix', '.png')
    return build_dataset(FolderDataset, root, **kwargs)


def _simulated(root, supervision, **kwargs):
    kwargs.setdefault('data_prefix', PREFIX)
    kwargs.setdefault('img_suffix', '.png')
    if supervision not in ('full', 'unlabeled'):
        kwargs.setdefault('weak_root', str(root / 'weak'))
    return build_dataset(SimulatedDataset, root, supervision=supervision,
                         **kwargs)


# ------------------------------------------------------------------ checks
def test_supported_supervision_is_one_attribute_everywhere():
    import mmlabeleff.datasets as datasets
    wrappers = {'MixedSupervisionDataset'}  # serves datasets built on the base
    for name in set(datasets.__all__) - wrappers:
        cls = getattr(datasets, name)
        assert issubclass(cls, BaseWeakSegDataset), name
        assert set(cls.SUPPORTED_SUPERVISION) <= set(
            BaseWeakSegDataset.SUPPORTED_SUPERVISION)
        assert not hasattr(cls, 'PROVIDES'), name


def test_checks_of_supervision_and_domain(root):
    with pytest.raises(ValueError, match=r"FolderDataset: supervision="
                       r"'mask' is not one of"):
        _folder(root, supervision='mask')
    with pytest.raises(ValueError, match=r"FolderDataset: cannot provide "
                       r"supervision='tags'"):
        _folder(root, supervision='tags')
    with pytest.raises(ValueError, match=r"'full' needs "
                       r"data_prefix\['seg_map_path'\]"):
        _folder(root, data_prefix=dict(img_path='img'))
    with pytest.raises(ValueError, match=r"'points' needs "
                       r"data_prefix\['sparse_map_path'\]"):
        _folder(root, supervision='points',
                data_prefix=dict(img_path='img', seg_map_path='ann'))
    with pytest.raises(ValueError, match=r"FolderDataset: domain='both'"):
        _folder(root, domain='both')
    with pytest.raises(ValueError, match='weak_root'):
        _folder(root, weak_root=str(root / 'weak'))
    with pytest.raises(ValueError, match=r"'tags' needs weak_root"):
        _simulated(root, 'tags', weak_root=None)
    with pytest.raises(ValueError, match=r"weak_label='x' is only used"):
        _simulated(root, 'tags', weak_label='x')


# -------------------------------------------------------------- data infos
def test_default_layout_and_supervision_keys(root):
    full = data_infos(_folder(root))
    assert [i['img_path'] for i in full] == [
        str(root / 'img' / f'{i}.png') for i in IDS
    ]
    assert set(full[0]) == BASE_INFO_KEYS | {'seg_map_path'}
    assert full[1]['seg_map_path'] == str(root / 'ann' / 'b.png')
    (info, _) = data_infos(_folder(root, supervision='unlabeled',
                                   domain='target'))
    assert set(info) == BASE_INFO_KEYS and info['domain'] == 'target'
    (info, _) = data_infos(_folder(root, supervision='scribbles',
                                   keep_seg_map_path=True))
    assert set(info) == BASE_INFO_KEYS | {'seg_map_path', 'sparse_map_path'}
    assert info['sparse_map_path'] == str(root / 'sparse' / 'a.png')
    (root / 'split.txt').write_text('b\n')
    (info, ) = data_infos(_folder(root, ann_file='split.txt'))
    assert info['img_path'].endswith('b.png')


def test_missing_folder_and_files_are_named(root):
    with pytest.raises(FileNotFoundError,
                       match=f'{root}/none: FolderDataset image folder'):
        _folder(root, data_prefix=dict(PREFIX, img_path='none'))
    (root / 'ann' / 'b.png').unlink()
    _folder(root, supervision='unlabeled')
    with pytest.raises(FileNotFoundError,
                       match=re.escape(f'{root}/ann/b.png: segmentation mask '
                                       "not found (FolderDataset, "
                                       "supervision='full')")):
        _folder(root)
    (root / 'sparse' / 'a.png').unlink()
    with pytest.raises(FileNotFoundError,
                       match=f'{root}/sparse/a.png: partial sparse map'):
        _folder(root, supervision='partial')


def test_weak_root_follows_the_file_naming_contract(root):
    weak = root / 'weak'
    tags = data_infos(_simulated(root, 'tags'))
    assert [i['image_labels'] for i in tags] == [[0, 2], [1]]
    assert set(tags[0]) == BASE_INFO_KEYS | {'image_labels'}
    boxes = data_infos(_simulated(root, 'boxes'))
    assert boxes[0]['instances'][0]['bbox_label'] == 2
    assert boxes[1]['instances'] == []
    points = data_infos(_simulated(root, 'points'))
    assert set(points[0]) == BASE_INFO_KEYS | {'sparse_map_path', 'points'}
    assert points[0]['sparse_map_path'] == sparse_map_file(
        str(weak), 'points_n1', 'a')
    assert points[1]['points'] == [
        dict(point=[3, 4], point_label=1),
        dict(point=[5, 6], point_label=2)
    ]
    for supervision, folder in SimulatedDataset.DEFAULT_WEAK_LABELS.items():
        (info, _) = data_infos(_simulated(root, supervision))
        assert info['sparse_map_path'] == str(weak / folder / 'a.png')
    (info, _) = data_infos(
        _simulated(root, 'scribbles', weak_label='partial_f010'))
    assert info['sparse_map_path'] == str(weak / 'partial_f010' / 'a.png')


# -------------------------------------------------------------- split files
def test_split_files_one_id_and_pairs(root):
    ds = _folder(root)
    split = root / 'split.txt'
    split.write_text('# a comment\n\na\n  b  \n')
    assert ds.read_split(str(split)) == ['a', 'b']
    split.write_text('img/a.png ann/a.png\nimg/b.png ann/b.png\n')
    assert ds.read_split(str(split), pairs=True) == [
        ('img/a.png', 'ann/a.png'), ('img/b.png', 'ann/b.png')
    ]
    assert ds.split_lines(str(split))[1] == (2, ['img/b.png', 'ann/b.png'])


@pytest.mark.parametrize('text,pairs,message', [
    ('a b\n', False, r'split.txt:1: expected one image id per line'),
    ('a\nimg/b.png\timg/b.png ann/b.png\n', True,
     r'split.txt:1: expected "image_path label_path"'),
    ('a\n\nb\na\n', False, r"split.txt:4: image id 'a' listed twice"),
    ('\n# only a comment\n', False, r'split.txt: split file lists no images'),
])
def test_split_file_errors_name_file_and_line(root, text, pairs, message):
    split = root / 'split.txt'
    split.write_text(text)
    with pytest.raises(ValueError, match=re.escape(str(root)) + '/' + message):
        _folder(root).read_split(str(split), pairs=pairs)


def test_missing_and_undecodable_split_files_are_named(root):
    with pytest.raises(FileNotFoundError, match='none.txt: split file not'):
        _folder(root, ann_file='none.txt')
    (root / 'latin1.txt').write_bytes(b'caf\xe9\n')
    with pytest.raises(ValueError, match='latin1.txt: split file is not UTF-8'):
        _folder(root, ann_file='latin1.txt')


# ------------------------------------------------------- JSON and PNG files
@pytest.mark.parametrize('supervision,filename', [
    ('tags', TAGS_FILE), ('boxes', BOXES_FILE),
    ('points', points_file_name('points_n1'))
])
def test_corrupt_missing_or_incomplete_weak_json_is_named(
        root, supervision, filename):
    path = root / 'weak' / filename
    table = json.loads(path.read_text())
    del table['b']
    path.write_text(json.dumps(table))
    with pytest.raises(ValueError, match=re.escape(f"{path}: no ") +
                       r".* for image 'b'"):
        _simulated(root, supervision)
    path.write_text(path.read_text()[:-5])  # a truncated write
    with pytest.raises(ValueError, match=re.escape(f'{path}: malformed JSON')):
        _simulated(root, supervision)
    path.write_text('[]')
    with pytest.raises(ValueError, match=re.escape(f'{path}: expected a JSON '
                                                   'object')):
        _simulated(root, supervision)
    path.unlink()
    with pytest.raises(FileNotFoundError, match=re.escape(str(path))):
        _simulated(root, supervision)


@pytest.mark.parametrize('reader,entry', [
    ('read_tags_file', ['dog']),
    ('read_boxes_file', [dict(bbox=[0, 0, 1], bbox_label=1)]),
    ('read_points_file', [[1, 2, 0]]),  # the old list format
    ('read_points_file', [dict(point=[1, 2])]),
])
def test_entries_in_another_format_are_named(tmp_path, reader, entry):
    path = tmp_path / 'weak.json'
    path.write_text(json.dumps({'img1': entry}))
    with pytest.raises(ValueError, match=re.escape(f"{path}: image 'img1'")):
        getattr(BaseWeakSegDataset, reader)(str(path))


def test_points_format_is_the_one_of_the_naming_module(tmp_path):
    path = tmp_path / 'points.json'
    path.write_text(json.dumps({'i': [[1, 2, 0]]}))
    with pytest.raises(ValueError, match=re.escape(POINTS_FORMAT)):
        BaseWeakSegDataset.read_points_file(str(path))


def test_points_of_applies_the_label_map(tmp_path):
    voc = build_dataset(
        VOCWeakDataset, tmp_path, ann_file='none.txt', lazy_init=True,
        metainfo=dict(classes=('background', 'aeroplane', 'person')))
    table = {'i': [point_record(1, 2, 15), point_record(3, 4, 9)]}
    # person (15) becomes 2; chair (9) is not in the subset and is dropped
    assert voc.points_of(table, 'p.json', 'i') == [
        dict(point=[1, 2], point_label=2)
    ]


def test_file_helpers_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=f'{tmp_path}/x.png: mask not '
                       'found, run y'):
        require_file(str(tmp_path / 'x.png'), 'mask', ', run y')
    bad = tmp_path / 'bad.json'
    bad.write_text('{"a": ')
    with pytest.raises(ValueError, match=f'{bad}: malformed JSON in the tags'):
        read_json(str(bad), 'tags file')


def _write(path):
    _png(path)
    return path
