"""VOCWeakDataset: data infos per supervision, bad inputs, the config."""
import copy
import json

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from PIL import Image

from mmlabeleff.datasets import VOCWeakDataset
from mmlabeleff.structures.label_convention import SUPERVISION_TYPES
from mmlabeleff.testing.fake_datasets import (
    BASE_INFO_KEYS,
    DENSE_PIPELINE,
    TINY_ROOTS,
    build_dataset,
    weak_pipeline,
    write_truncated_png,
)

VOC_ROOT = TINY_ROOTS['voc']
BASE_KEYS = BASE_INFO_KEYS | {'sample_idx'}
SPARSE = {
    'scribbles': 'ScribbleSup/scribbles_r100',
    'points': 'ScribbleSup/points_r000',
    'partial': 'ScribbleSup/scribbles_r100',
}
EXTRA_KEYS = {
    'full': {'seg_map_path'},
    'tags': {'image_labels'},
    'boxes': {'instances'},
    'scribbles': {'sparse_map_path'},
    'points': {'sparse_map_path'},
    'partial': {'sparse_map_path'},
    'unlabeled': set(),
}
TRAINAUG = ['2007_000032', '2007_000039', '2008_000002']


def _dataset(root=VOC_ROOT, supervision='full', split='trainaug', **kwargs):
    if supervision in SPARSE:
        kwargs.setdefault('sparse_prefix', SPARSE[supervision])
    return build_dataset(
        VOCWeakDataset, root,
        ann_file=f'ImageSets/Segmentation/{split}.txt',
        data_prefix=dict(
            img_path='JPEGImages', seg_map_path='SegmentationClassAug'),
        supervision=supervision,
        **kwargs)


@pytest.fixture
def voc_copy(tiny_copy):
    """A writable copy of the tiny VOC 2012."""
    return tiny_copy('voc')


def test_covers_every_supervision_type():
    assert set(EXTRA_KEYS) == set(SUPERVISION_TYPES)


@pytest.mark.parametrize('supervision', SUPERVISION_TYPES)
def test_data_infos_hold_exactly_the_convention_keys(supervision):
    ds = _dataset(supervision=supervision)
    assert len(ds) == 3
    assert ds.metainfo['classes'][0] == 'background'
    assert len(ds.metainfo['classes']) == 21
    for index, img_id in enumerate(TRAINAUG):
        info = ds.get_data_info(index)
        assert set(info) == BASE_KEYS | EXTRA_KEYS[supervision]
        assert info['supervision'] == supervision
        assert info['domain'] == 'source'
        assert info['img_path'].endswith(f'JPEGImages/{img_id}.jpg')
        if supervision in SPARSE:
            assert info['sparse_map_path'].endswith(
                f'{SPARSE[supervision]}/{img_id}.png')


def test_full_masks_load_with_mmseg():
    ds = _dataset(split='val', pipeline=DENSE_PIPELINE)
    item = ds[0]
    seg = item['data_samples'].gt_sem_seg.data.numpy()
    assert item['inputs'].shape == (3, 32, 48)
    assert set(np.unique(seg)) == {0, 1, 255}  # VOC void boundaries kept


def test_tags_from_masks_and_from_xml():
    by_mask = _dataset(supervision='tags')
    by_xml = _dataset(supervision='tags', tags_from='xml')
    mask_tags = [by_mask.get_data_info(i)['image_labels'] for i in range(3)]
    xml_tags = [by_xml.get_data_info(i)['image_labels'] for i in range(3)]
    assert mask_tags == [[0, 1, 15], [0, 5, 20], [0, 12]]
    # the XML also names an unsegmented (difficult) chair, class 9
    assert xml_tags == [[0, 1, 9, 15], [0, 5, 20], [0, 12]]


def test_boxes_are_zero_based_pixel_edges_with_difficult_ignored():
    info = _dataset(supervision='boxes').get_data_info(0)
    # XML: aeroplane 9,7,30,18 (1-based inclusive) covers columns 8..29 and
    # rows 6..17 of the mask; person's <part> box is not an object.
    assert info['instances'] == [
        dict(bbox=[8.0, 6.0, 30.0, 18.0], bbox_label=1, ignore_flag=0),
        dict(bbox=[34.0, 14.0, 44.0, 30.0], bbox_label=15, ignore_flag=0),
        dict(bbox=[0.0, 19.0, 6.0, 32.0], bbox_label=9, ignore_flag=1),
    ]
    mask = np.array(
        Image.open(VOC_ROOT / 'SegmentationClassAug' / '2007_000032.png'))
    rows, cols = np.nonzero(mask == 1)
    edges = (cols.min(), rows.min(), cols.max() + 1, rows.max() + 1)
    assert edges == (8, 6, 30, 18)


def test_points_file_gives_exact_points():
    ds = _dataset(supervision='points',
                  points_file='ScribbleSup/points_r000.json')
    info = ds.get_data_info(0)
    assert set(info) == BASE_KEYS | {'sparse_map_path', 'points'}
    sparse = np.array(Image.open(info['sparse_map_path']))
    for point in info['points']:
        x, y = point['point']
        assert sparse[int(y), int(x)] == point['point_label']
    assert sorted(p['point_label'] for p in info['points']) == [0, 1, 15]
    # the one points format of every dataset and the simulator
    table = json.loads(
        (VOC_ROOT / 'ScribbleSup' / 'points_r000.json').read_text())
    assert info['points'] == table['2007_000032']


def test_weak_samples_can_keep_the_dense_path_and_set_the_domain():
    info = _dataset(supervision='scribbles', keep_seg_map_path=True,
                    domain='target').get_data_info(0)
    assert info['seg_map_path'].endswith('SegmentationClassAug/2007_000032.png')
    assert info['domain'] == 'target'


def test_label_map_of_a_class_subset_applies_to_boxes_and_tags():
    classes = ('background', 'aeroplane', 'person')
    boxes = _dataset(supervision='boxes', metainfo=dict(classes=classes))
    labels = [i['bbox_label'] for i in boxes.get_data_info(0)['instances']]
    assert labels == [1, 2]  # the chair (not in the subset) is dropped
    tags = _dataset(supervision='tags', tags_from='xml',
                    metainfo=dict(classes=classes))
    assert tags.get_data_info(0)['image_labels'] == [0, 1, 2]


def test_weak_pipeline_packs_the_sparse_map():
    ds = _dataset(supervision='scribbles', pipeline=weak_pipeline(21))
    sample = ds[0]['data_samples']
    assert 'gt_sem_seg' not in sample
    sparse = sample.gt_sparse_seg.data.numpy()
    assert sparse.shape == (1, 32, 48)
    assert set(np.unique(sparse)) == {0, 1, 15, 254}


def test_config_builds_train_and_val_sets(repo_root):
    from mmlabeleff.registry import DATASETS
    cfg = Config.fromfile(
        str(repo_root / 'configs/_base_/datasets/voc12_aug_weak.py'))
    init_default_scope('mmlabeleff')
    train_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    assert train_cfg.supervision == 'scribbles'
    train_cfg.data_root = str(VOC_ROOT)
    train = DATASETS.build(train_cfg)
    assert len(train) == 3
    sample = train[0]['data_samples']
    assert sample.supervision == 'scribbles'
    assert 'gt_sparse_seg' in sample
    val_cfg = copy.deepcopy(cfg.val_dataloader.dataset)
    val_cfg.data_root = str(VOC_ROOT)
    val = DATASETS.build(val_cfg)
    assert len(val) == 1 and 'gt_sem_seg' in val[0]['data_samples']


# ---------------------------------------------------------------- bad input
def test_bad_options_are_refused():
    with pytest.raises(ValueError, match='supervision'):
        _dataset(supervision='masks')
    with pytest.raises(ValueError, match='sparse_map_path'):
        _dataset(supervision='scribbles', sparse_prefix=None)
    with pytest.raises(ValueError, match='domain'):
        _dataset(domain='elsewhere')
    with pytest.raises(ValueError, match='tags_from'):
        _dataset(supervision='tags', tags_from='csv')
    with pytest.raises(ValueError, match='points_file'):
        _dataset(supervision='tags', points_file='x.json')
    with pytest.raises(ValueError, match='disagree'):
        VOCWeakDataset(
            data_root=str(VOC_ROOT), supervision='scribbles',
            sparse_prefix='a', data_prefix=dict(img_path='JPEGImages',
                                                sparse_map_path='b'))


def test_split_file_errors_name_the_file(voc_copy):
    sets = voc_copy / 'ImageSets' / 'Segmentation'
    with pytest.raises(FileNotFoundError, match='nosuch.txt'):
        _dataset(voc_copy, split='nosuch')
    (sets / 'empty.txt').write_text('\n\n')
    with pytest.raises(ValueError, match='empty.txt: split file lists no'):
        _dataset(voc_copy, split='empty')
    (sets / 'two.txt').write_text('2007_000032 2007_000039\n')
    with pytest.raises(ValueError, match='two.txt:1'):
        _dataset(voc_copy, split='two')
    (sets / 'dup.txt').write_text('2007_000032\n2007_000032\n')
    with pytest.raises(ValueError, match='dup.txt:2.*twice'):
        _dataset(voc_copy, split='dup')


@pytest.mark.parametrize('supervision,missing', [
    ('full', 'SegmentationClassAug/2007_000039.png'),
    ('unlabeled', 'JPEGImages/2008_000002.jpg'),
    ('tags', 'SegmentationClassAug/2007_000039.png'),
    ('boxes', 'Annotations/2007_000039.xml'),
    ('scribbles', 'ScribbleSup/scribbles_r100/2008_000002.png'),
    ('points', 'ScribbleSup/points_r000/2007_000032.png'),
])
def test_missing_files_are_named(voc_copy, supervision, missing):
    (voc_copy / missing).unlink()
    with pytest.raises(FileNotFoundError, match=missing):
        _dataset(voc_copy, supervision=supervision)


def test_malformed_xml_is_named(voc_copy):
    xml = voc_copy / 'Annotations' / '2007_000039.xml'
    xml.write_text(xml.read_text()[:200])
    for kwargs in (dict(supervision='boxes'),
                   dict(supervision='tags', tags_from='xml')):
        with pytest.raises(ValueError,
                           match='2007_000039.xml: malformed XML'):
            _dataset(voc_copy, **kwargs)
    xml.write_text('<annotation><object><name>dog</name></object>'
                   '</annotation>')
    with pytest.raises(ValueError, match='2007_000039.xml.*bndbox'):
        _dataset(voc_copy, supervision='boxes')


def test_unknown_class_name_is_named(voc_copy):
    xml = voc_copy / 'Annotations' / '2008_000002.xml'
    xml.write_text(xml.read_text().replace('<name>dog</name>',
                                           '<name>unicorn</name>'))
    with pytest.raises(ValueError, match="2008_000002.xml: unknown class "
                       "name 'unicorn'"):
        _dataset(voc_copy, supervision='boxes')


def test_bad_points_file_is_named(voc_copy):
    points = voc_copy / 'ScribbleSup' / 'points_r000.json'
    table = json.loads(points.read_text())
    del table['2007_000039']
    points.write_text(json.dumps(table))
    kwargs = dict(supervision='points',
                  points_file='ScribbleSup/points_r000.json')
    with pytest.raises(ValueError, match=f"{points}: no points for "
                       "image '2007_000039'"):
        _dataset(voc_copy, **kwargs)
    points.write_text('{"2007_000032": [[1, 2, 0]]}')  # the old list format
    with pytest.raises(ValueError, match=f"{points}: image '2007_000032': "
                       'expected points'):
        _dataset(voc_copy, **kwargs)
    points.write_text('{"2007_000032": [{"point": [1, 2]')
    with pytest.raises(ValueError, match=f'{points}: malformed JSON'):
        _dataset(voc_copy, **kwargs)
    points.unlink()
    with pytest.raises(FileNotFoundError, match=f'{points}: points file'):
        _dataset(voc_copy, **kwargs)


def test_truncated_mask_of_tags_is_named(voc_copy):
    mask = voc_copy / 'SegmentationClassAug' / '2007_000039.png'
    write_truncated_png(mask)
    with pytest.raises(ValueError, match=f'{mask}: cannot read the '
                       'segmentation mask'):
        _dataset(voc_copy, supervision='tags')
