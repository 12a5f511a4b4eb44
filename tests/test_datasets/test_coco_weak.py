"""COCOWeakDataset on tests/data/coco_tiny (see make_weak_uda_fake_data.py)."""
import json
import os
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmlabeleff.datasets import COCOWeakDataset
from mmlabeleff.datasets.coco_weak import (
    COCO_THING_CLASSES,
    load_coco_instances,
    render_semantic_map,
)
from mmlabeleff.registry import DATASETS
from mmlabeleff.testing.fake_datasets import (
    BASE_INFO_KEYS,
    DENSE_PIPELINE,
    TINY_ROOTS,
    build_dataset,
    data_infos,
    weak_pipeline,
)

COCO = TINY_ROOTS['coco']
CONVENTION_KEYS = {
    'img_path', 'seg_map_path', 'label_map', 'reduce_zero_label',
    'seg_fields', 'supervision', 'domain', 'sparse_map_path', 'image_labels',
    'instances', 'points'
}
MMSEG_KEYS = BASE_INFO_KEYS
_infos = data_infos


def _dataset(root=COCO, split='train2017', supervision='full', **kwargs):
    prefix = dict(img_path=split, seg_map_path=f'semantic/{split}')
    prefix.update(kwargs.pop('data_prefix', {}))
    return build_dataset(
        COCOWeakDataset, root,
        ann_file=f'annotations/instances_{split}.json',
        data_prefix=prefix,
        supervision=supervision,
        **kwargs)


@pytest.fixture
def coco_copy(tiny_copy):
    return tiny_copy('coco')


def test_classes_background_plus_sorted_category_ids():
    from mmdet.datasets import CocoDataset
    classes = COCOWeakDataset.METAINFO['classes']
    assert len(classes) == 81 and classes[0] == 'background'
    assert classes[1:] == tuple(CocoDataset.METAINFO['classes'])
    assert len(COCOWeakDataset.METAINFO['palette']) == 81
    assert COCOWeakDataset.METAINFO['palette'][0] == [0, 0, 0]
    _, cat2label = load_coco_instances(
        str(COCO / 'annotations' / 'instances_train2017.json'))
    # COCO ids 1..90 with gaps -> 1..80 in id order
    assert cat2label[1] == 1 and cat2label[3] == 3 and cat2label[11] == 11
    assert cat2label[13] == 12 and cat2label[18] == 17 and cat2label[90] == 80
    assert sorted(cat2label.values()) == list(range(1, 81))
    assert classes[17] == 'dog' and classes[80] == 'toothbrush'


@pytest.mark.parametrize('supervision, extra', [
    ('full', {'seg_map_path', 'image_labels', 'instances'}),
    ('boxes', {'image_labels', 'instances'}),
    ('tags', {'image_labels'}),
    ('unlabeled', set()),
])
def test_data_infos_carry_only_what_the_supervision_allows(supervision, extra):
    ds = _dataset(supervision=supervision, domain='target')
    assert len(ds) == 3
    for info in _infos(ds):
        assert set(info) == MMSEG_KEYS | extra
        assert set(info) <= CONVENTION_KEYS
        assert info['supervision'] == supervision
        assert info['domain'] == 'target'
    if 'instances' in extra:
        has_mask = ['mask' in inst for inst in _infos(ds)[0]['instances']]
        assert all(has_mask) == (supervision == 'full')
        assert any(has_mask) == (supervision == 'full')


def test_boxes_tags_crowd_and_masks_are_exact():
    info = _infos(_dataset())[0]
    assert info['img_path'] == str(COCO / 'train2017' / '000000000001.jpg')
    assert info['seg_map_path'] == str(
        COCO / 'semantic' / 'train2017' / '000000000001.png')
    insts = info['instances']
    # the degenerate toothbrush (w = 0.5) is skipped, as in mmdet
    assert [(i['bbox'], i['bbox_label'], i['ignore_flag']) for i in insts] == [
        ([0.0, 0.0, 40.0, 32.0], 1, 0),
        ([10.0, 10.0, 20.0, 20.0], 17, 0),
        ([50.0, 0.0, 60.0, 32.0], 1, 1),  # iscrowd -> ignore_flag
        ([41.5, 2.25, 49.0, 7.25], 3, 0),
    ]
    assert insts[0]['mask'] == [[0, 0, 40, 0, 40, 32, 0, 32]]
    assert insts[2]['mask'] == dict(counts=[1600, 320, 128], size=[32, 64])
    assert info['image_labels'] == [1, 3, 17]
    second = _infos(_dataset())[1]
    assert second['image_labels'] == [80]
    assert isinstance(second['instances'][0]['mask']['counts'], str)
    assert _infos(_dataset())[2]['image_labels'] == []


def test_filter_empty_drops_images_without_annotations():
    assert len(_dataset(filter_empty=False)) == 3
    ds = _dataset(filter_empty=True, supervision='tags')
    assert [Path(i['img_path']).name for i in _infos(ds)] == [
        '000000000001.jpg', '000000000002.jpg'
    ]


def test_semantic_maps_load_through_mmseg_pipeline():
    ds = _dataset(pipeline=DENSE_PIPELINE)
    seg = ds[0]['data_samples'].gt_sem_seg.data.numpy()[0]
    assert seg.shape == (32, 64)
    assert seg[5, 5] == 1  # person
    assert seg[15, 15] == 17  # the smaller dog drawn on top of the person
    assert seg[15, 55] == 255  # crowd
    assert seg[4, 44] == 3  # car
    assert seg[15, 62] == 0  # background
    assert set(np.unique(seg)) == {0, 1, 3, 17, 255}
    seg2 = ds[1]['data_samples'].gt_sem_seg.data.numpy()[0]
    assert seg2[8, 28] == 80 and seg2[20, 28] == 0


def test_render_overlaps_small_on_top_and_labelled_over_crowd():
    small = dict(bbox_label=5, ignore_flag=0, mask=[[2, 2, 6, 2, 6, 6, 2, 6]])
    large = dict(bbox_label=7, ignore_flag=0,
                 mask=[[0, 0, 12, 0, 12, 12, 0, 12]])
    crowd = dict(bbox_label=1, ignore_flag=1,
                 mask=dict(counts=[0, 16 * 4, 16 * 12], size=[16, 16]))
    # the small instance is listed first, and still ends on top
    seg = render_semantic_map([small, large, crowd], 16, 16)
    assert seg[4, 4] == 5 and seg[10, 10] == 7 and seg[1, 1] == 7
    assert seg[14, 2] == 255 and seg[14, 14] == 0
    seg = render_semantic_map([dict(bbox_label=3, ignore_flag=0)], 4, 4)
    assert not seg.any()


def test_coco2014_file_names():
    ds = _dataset(split='val2014', pipeline=DENSE_PIPELINE, test_mode=True)
    assert len(ds) == 1
    assert ds[0]['data_samples'].img_path.endswith(
        'val2014/COCO_val2014_000000000042.jpg')
    seg = ds[0]['data_samples'].gt_sem_seg.data.numpy()[0]
    assert seg[16, 16] == 2 and seg[2, 2] == 0


def test_weak_pipeline_packs_tags_and_boxes():
    ds = _dataset(supervision='boxes', pipeline=weak_pipeline(81))
    sample = ds[0]['data_samples']
    assert sample.supervision == 'boxes' and sample.domain == 'source'
    assert 'gt_sem_seg' not in sample
    assert sample.gt_instances.labels.tolist() == [1, 17, 3]
    assert sample.ignored_instances.labels.tolist() == [1]  # the crowd


def test_registered_and_built_from_config(repo_root):
    cfg = Config.fromfile(
        str(repo_root / 'configs/_base_/datasets/coco2014_weak.py'))
    assert cfg.train_dataloader.dataset.supervision == 'tags'
    init_default_scope('mmlabeleff')
    items = {}
    for name, split in (('train', 'train2017'), ('val', 'val2014')):
        ds_cfg = cfg[f'{name}_dataloader'].dataset.copy()
        ds_cfg.update(
            data_root=str(COCO),
            ann_file=f'annotations/instances_{split}.json',
            data_prefix=dict(img_path=split, seg_map_path=f'semantic/{split}'))
        items[name] = DATASETS.build(ds_cfg)[0]
    train = items['train']['data_samples']
    assert train.supervision == 'tags' and 'gt_sem_seg' not in train
    assert train.gt_image_labels.nonzero().flatten().tolist() == [1, 3, 17]
    # val: full masks at the original size, image resized to 512 x 1024
    assert items['val']['inputs'].shape == (3, 512, 1024)
    assert items['val']['data_samples'].gt_sem_seg.data.shape == (1, 32, 64)


def test_bad_json_names_the_file(coco_copy):
    ann = coco_copy / 'annotations' / 'instances_train2017.json'
    ann.write_text('{"images": [')
    with pytest.raises(ValueError, match=f'{ann}: malformed JSON'):
        _dataset(coco_copy)
    ann.write_text('[]')
    with pytest.raises(ValueError, match=f'{ann}: top level'):
        _dataset(coco_copy)
    ann.write_text('{"images": [], "categories": []}')
    with pytest.raises(ValueError, match=f'{ann}: no "annotations" list'):
        _dataset(coco_copy)
    os.remove(ann)
    with pytest.raises(FileNotFoundError, match=str(ann)):
        _dataset(coco_copy)


def _edit_json(root, edit):
    ann = root / 'annotations' / 'instances_train2017.json'
    data = json.loads(ann.read_text())
    edit(data)
    ann.write_text(json.dumps(data))
    return ann


def test_unknown_category_and_image_name_the_file(coco_copy):
    ann = _edit_json(coco_copy,
                     lambda d: d['annotations'][0].update(category_id=12))
    with pytest.raises(ValueError,
                       match=f'{ann}: annotation 11 has unknown category_id 12'):
        _dataset(coco_copy)
    ann = _edit_json(coco_copy,
                     lambda d: d['annotations'][0].update(category_id=1,
                                                          image_id=7))
    with pytest.raises(ValueError, match=f'{ann}: annotation 11 refers to '
                       'unknown image_id 7'):
        _dataset(coco_copy)
    ann = _edit_json(coco_copy,
                     lambda d: d['categories'][0].update(name='human'))
    with pytest.raises(ValueError, match=f"{ann}: categories.*'human'"):
        _dataset(coco_copy)


def test_missing_image_or_map_names_the_file(coco_copy):
    png = coco_copy / 'semantic' / 'train2017' / '000000000002.png'
    os.remove(png)
    _dataset(coco_copy, supervision='tags')  # tags need no semantic map
    with pytest.raises(FileNotFoundError,
                       match=f'{png}: COCO semantic map not found.*coco_weak'):
        _dataset(coco_copy)
    img = coco_copy / 'train2017' / '000000000003.jpg'
    os.remove(img)
    with pytest.raises(FileNotFoundError, match=str(img)):
        _dataset(coco_copy, supervision='tags')


def test_bad_options():
    with pytest.raises(ValueError, match="supervision='full' needs"):
        _dataset(data_prefix=dict(seg_map_path=''))
    with pytest.raises(ValueError, match="'scribbles' needs"):
        _dataset(supervision='scribbles')
    with pytest.raises(ValueError, match="'mask' is not one of"):
        _dataset(supervision='mask')
    with pytest.raises(ValueError, match="domain='tgt'"):
        _dataset(domain='tgt')


def test_sparse_supervision_reads_sparse_maps(coco_copy):
    sparse = coco_copy / 'scribbles'
    sparse.mkdir()
    for name in ('000000000001', '000000000002', '000000000003'):
        (sparse / f'{name}.png').write_bytes(b'')
    ds = _dataset(coco_copy, supervision='scribbles',
                  data_prefix=dict(sparse_map_path='scribbles'))
    info = _infos(ds)[0]
    assert set(info) == MMSEG_KEYS | {'sparse_map_path'}
    assert info['sparse_map_path'] == str(sparse / '000000000001.png')


def test_thing_classes_are_coco_s_80_names_in_category_id_order():
    from mmdet.datasets import CocoDataset
    assert COCO_THING_CLASSES == tuple(CocoDataset.METAINFO['classes'])
    # a few by name and position (category ids 1, 2, 18, 44, 90)
    assert COCO_THING_CLASSES[:2] == ('person', 'bicycle')
    assert COCO_THING_CLASSES[16] == 'dog'
    assert COCO_THING_CLASSES[39] == 'bottle'
    assert COCO_THING_CLASSES[-1] == 'toothbrush'
    assert len(set(COCO_THING_CLASSES)) == 80
