"""CamVidDataset: split files, void handling, weak supervision, real data
when present."""
import json
import re
import shutil

import numpy as np
import pytest
import torch
from PIL import Image

from mmlabeleff.datasets import CamVidDataset
from mmlabeleff.testing.fake_datasets import (
    DENSE_PIPELINE,
    LABEL_FIELDS,
    PACKED_FIELDS,
    build_dataset,
    weak_pipeline,
)


def _dataset(root, split='train', pipeline=DENSE_PIPELINE):
    return build_dataset(CamVidDataset, root, ann_file=f'splits/{split}.txt',
                         pipeline=pipeline)


def test_tiny_camvid_loads_and_maps_void_to_255(camvid_tiny_root):
    ds = _dataset(camvid_tiny_root)
    assert len(ds) == 4
    assert ds.metainfo['classes'][0] == 'Sky' and len(ds.metainfo['classes']) == 11
    item = ds[0]
    seg = item['data_samples'].gt_sem_seg.data.numpy()
    assert item['inputs'].shape == (3, 36, 48)
    assert seg.shape == (1, 36, 48)
    # the fake labels have a void strip (11) in the first 3 columns
    assert (seg[0, :, :3] == 255).all()
    assert set(np.unique(seg)) <= set(range(11)) | {255}
    assert 11 not in np.unique(seg)


def test_void_agrees_with_loss_padding_and_metric_ignore(repo_root):
    from mmengine.config import Config
    cfg = Config.fromfile(
        str(repo_root / 'configs/fully_supervised/deeplabv3plus/'
            'deeplabv3plus_efflite0_1xb8-2k_camvid-full-176x176.py'))
    assert cfg.model.data_preprocessor.seg_pad_val == 255
    assert cfg.model.decode_head.get('ignore_index', 255) == 255
    assert cfg.val_evaluator.get('ignore_index', 255) == 255


def test_bad_split_files_name_the_file(tmp_path):
    (tmp_path / 'splits').mkdir()
    (tmp_path / 'splits' / 'train.txt').write_text('only_one_column.png\n')
    with pytest.raises(ValueError, match=r'train.txt:1'):
        _dataset(tmp_path)
    (tmp_path / 'splits' / 'train.txt').write_text('a.png a_L.png\na.png b.png\n')
    with pytest.raises(ValueError, match=r"train.txt:2: image id 'a.png' listed"):
        _dataset(tmp_path)
    (tmp_path / 'splits' / 'train.txt').write_text('\n')
    with pytest.raises(ValueError, match='train.txt: split file lists no images'):
        _dataset(tmp_path)
    with pytest.raises(FileNotFoundError, match='val.txt'):
        _dataset(tmp_path, split='val')


def test_real_camvid_splits(camvid_root):
    train = _dataset(camvid_root, 'train', pipeline=[])
    val = _dataset(camvid_root, 'val', pipeline=[])
    assert len(train) == 367 and len(val) == 101
    ds = _dataset(camvid_root, 'val')
    seg = ds[0]['data_samples'].gt_sem_seg.data.numpy()
    assert seg.shape == (1, 360, 480)
    assert set(np.unique(seg)) <= set(range(11)) | {255}


# ---------------------------------------------------------------------------
# weak supervision, from labels written by simulate_weak_labels.py
WEAK_CONFIG = 'configs/_base_/datasets/camvid_weak.py'
WEAK_TYPES = ('tags', 'boxes', 'scribbles', 'points', 'partial')
SPARSE_VALUES = set(range(11)) | {254, 255}
LOAD_AND_PACK = weak_pipeline(num_classes=11)


def _weak_dataset(root, weak_root, supervision, pipeline=LOAD_AND_PACK,
                  **kwargs):
    if supervision not in ('full', 'unlabeled'):
        kwargs.setdefault('weak_root', str(weak_root))
    return build_dataset(CamVidDataset, root, ann_file='splits/train.txt',
                         supervision=supervision, pipeline=pipeline, **kwargs)


def _train_pipeline():
    from mmengine.config import Config

    from mmlabeleff.testing.script_loader import REPO_ROOT
    return Config.fromfile(str(REPO_ROOT / WEAK_CONFIG)).train_pipeline


@pytest.mark.parametrize('supervision', sorted(PACKED_FIELDS))
def test_weak_camvid_data_infos_carry_only_their_supervision(
        camvid_tiny_root, camvid_tiny_weak_root, supervision):
    ds = _weak_dataset(camvid_tiny_root, camvid_tiny_weak_root, supervision,
                       pipeline=[])
    assert len(ds) == 4
    info = ds.get_data_info(0)
    assert info['supervision'] == supervision and info['domain'] == 'source'
    assert ('seg_map_path' in info) == (supervision == 'full')
    assert ('sparse_map_path' in info) == (supervision in
                                           ('scribbles', 'points', 'partial'))
    assert ('image_labels' in info) == (supervision == 'tags')
    assert ('instances' in info) == (supervision == 'boxes')
    assert ('points' in info) == (supervision == 'points')
    if 'sparse_map_path' in info:
        folder = dict(scribbles='scribbles_r100', points='points_n1',
                      partial='partial_f010')[supervision]
        assert info['sparse_map_path'] == str(
            camvid_tiny_weak_root / folder / '0016E5_00000.png')


@pytest.mark.parametrize('supervision', sorted(PACKED_FIELDS))
def test_weak_camvid_through_the_config_train_pipeline(
        camvid_tiny_root, camvid_tiny_weak_root, supervision):
    ds = _weak_dataset(camvid_tiny_root, camvid_tiny_weak_root, supervision,
                       pipeline=_train_pipeline())
    for index in range(len(ds)):
        item = ds[index]
        sample = item['data_samples']
        assert item['inputs'].dtype == torch.uint8
        height, width = item['inputs'].shape[-2:]
        assert height <= 176 and width <= 176  # cropped (or smaller)
        assert LABEL_FIELDS & set(sample.keys()) == PACKED_FIELDS[supervision]
        assert sample.metainfo['supervision'] == supervision
        assert sample.metainfo['domain'] == 'source'
        if 'gt_sparse_seg' in sample:
            seg = sample.gt_sparse_seg.data
            assert seg.shape == (1, height, width) and seg.dtype == torch.long
            assert set(seg.unique().tolist()) <= SPARSE_VALUES
        if 'gt_sem_seg' in sample:
            assert set(sample.gt_sem_seg.data.unique().tolist()) <= (
                set(range(11)) | {255})
        if 'gt_image_labels' in sample:
            tags = sample.gt_image_labels
            assert tags.shape == (11, ) and tags.dtype == torch.float32
            assert set(tags.unique().tolist()) <= {0.0, 1.0}
        if 'gt_instances' in sample:
            boxes = sample.gt_instances.bboxes
            boxes = getattr(boxes, 'tensor', boxes)
            assert boxes.shape[1:] == (4, )
            assert (boxes[:, 2:] >= boxes[:, :2]).all()
            assert (boxes >= 0).all()
            assert (boxes[:, 0::2] <= width).all()
            assert (boxes[:, 1::2] <= height).all()
            assert set(sample.gt_instances.labels.tolist()) <= set(range(11))


def test_weak_camvid_values_follow_the_simulated_files(camvid_tiny_root,
                                                       camvid_tiny_weak_root):
    tags = json.loads((camvid_tiny_weak_root / 'tags.json').read_text())
    boxes = json.loads((camvid_tiny_weak_root / 'boxes.json').read_text())
    img_id = '0016E5_00001'
    index = 1
    sample = _weak_dataset(camvid_tiny_root, camvid_tiny_weak_root,
                           'tags')[index]['data_samples']
    assert sample.gt_image_labels.nonzero().flatten().tolist() == tags[img_id]
    sample = _weak_dataset(camvid_tiny_root, camvid_tiny_weak_root,
                           'boxes')[index]['data_samples']
    np.testing.assert_allclose(
        sample.gt_instances.bboxes.numpy(),
        np.array([b['bbox'] for b in boxes[img_id]], dtype=np.float32))
    assert sample.gt_instances.labels.tolist() == [
        b['bbox_label'] for b in boxes[img_id]
    ]
    sample = _weak_dataset(camvid_tiny_root, camvid_tiny_weak_root,
                           'scribbles')[index]['data_samples']
    scribbles = np.array(
        Image.open(camvid_tiny_weak_root / 'scribbles_r100' / f'{img_id}.png'))
    np.testing.assert_array_equal(sample.gt_sparse_seg.data[0].numpy(),
                                  scribbles)
    assert (scribbles == 254).any() and (scribbles < 11).any()
    # the fake labels' void strip stays ignored
    assert (scribbles[:, :3] == 255).all()
    sample = _weak_dataset(camvid_tiny_root, camvid_tiny_weak_root,
                           'points')[index]['data_samples']
    xy = sample.gt_points.points.numpy()
    labels = sample.gt_points.labels.numpy()
    assert len(xy) > 0
    cols, rows = np.floor(xy).astype(int).T
    sparse = sample.gt_sparse_seg.data[0].numpy()
    np.testing.assert_array_equal(sparse[rows, cols], labels)


def test_weak_camvid_keep_seg_map_path(camvid_tiny_root, camvid_tiny_weak_root):
    ds = _weak_dataset(camvid_tiny_root, camvid_tiny_weak_root, 'scribbles',
                       keep_seg_map_path=True)
    sample = ds[0]['data_samples']
    assert {'gt_sem_seg', 'gt_sparse_seg'} <= set(sample.keys())
    dense = sample.gt_sem_seg.data
    sparse = sample.gt_sparse_seg.data
    labeled = sparse < 11
    assert labeled.any() and (sparse[labeled] == dense[labeled]).all()


def test_weak_camvid_weak_label_and_options(camvid_tiny_root,
                                            camvid_tiny_weak_root):
    ds = _weak_dataset(camvid_tiny_root, camvid_tiny_weak_root, 'scribbles',
                       weak_label='scribbles_r000', pipeline=[])
    assert 'scribbles_r000' in ds.get_data_info(0)['sparse_map_path']
    ds = _weak_dataset(camvid_tiny_root, camvid_tiny_weak_root, 'unlabeled',
                       domain='target', pipeline=[])
    assert ds.get_data_info(0)['domain'] == 'target'
    with pytest.raises(ValueError, match='needs weak_root'):
        CamVidDataset(data_root=str(camvid_tiny_root), supervision='tags')
    with pytest.raises(ValueError, match='weak_label'):
        _weak_dataset(camvid_tiny_root, camvid_tiny_weak_root, 'tags',
                      weak_label='scribbles_r100')
    with pytest.raises(ValueError, match="'scribble'"):
        _weak_dataset(camvid_tiny_root, camvid_tiny_weak_root, 'scribble')
    with pytest.raises(ValueError, match='domain'):
        _weak_dataset(camvid_tiny_root, camvid_tiny_weak_root, 'full',
                      domain='other')
    with pytest.raises(ValueError, match='label_map'):
        _weak_dataset(camvid_tiny_root, camvid_tiny_weak_root, 'tags',
                      metainfo=dict(classes=('Sky', 'Road')))


@pytest.mark.parametrize('supervision,missing', [
    ('tags', 'tags.json'),
    ('boxes', 'boxes.json'),
    ('points', 'points_n1.json'),
    ('scribbles', 'scribbles_r100/0016E5_00002.png'),
    ('partial', 'partial_f010/0016E5_00002.png'),
])
def test_weak_camvid_missing_files_are_named(camvid_tiny_root,
                                             camvid_tiny_weak_root, tmp_path,
                                             supervision, missing):
    weak = tmp_path / 'weak'
    shutil.copytree(camvid_tiny_weak_root, weak)
    (weak / missing).unlink()
    with pytest.raises(FileNotFoundError, match=re.escape(str(weak / missing))):
        _weak_dataset(camvid_tiny_root, weak, supervision)


@pytest.mark.parametrize('supervision,filename', [
    ('tags', 'tags.json'), ('boxes', 'boxes.json'), ('points', 'points_n1.json')
])
def test_weak_camvid_missing_ids_and_bad_json_are_named(
        camvid_tiny_root, camvid_tiny_weak_root, tmp_path, supervision,
        filename):
    weak = tmp_path / 'weak'
    shutil.copytree(camvid_tiny_weak_root, weak)
    table = json.loads((weak / filename).read_text())
    del table['0016E5_00003']
    (weak / filename).write_text(json.dumps(table))
    with pytest.raises(ValueError,
                       match=re.escape(str(weak / filename)) + ".*0016E5_00003"):
        _weak_dataset(camvid_tiny_root, weak, supervision)
    (weak / filename).write_text('{not json')
    with pytest.raises(ValueError, match=re.escape(str(weak / filename))):
        _weak_dataset(camvid_tiny_root, weak, supervision)


def _real_camvid_subset(camvid_root, tmp_path, lines=(0, 100, 300)):
    """A CamVid root over 3 real train images (links, own split file)."""
    root = tmp_path / 'camvid_subset'
    (root / 'splits').mkdir(parents=True)
    for folder in ('train', 'trainannot'):
        (root / folder).symlink_to(camvid_root / folder)
    split = (camvid_root / 'splits' / 'train.txt').read_text().splitlines()
    (root / 'splits' / 'train.txt').write_text(
        '\n'.join(split[i] for i in lines) + '\n')
    return root


def test_real_camvid_weak_labels(camvid_root, load_tool, tmp_path):
    # Simulate the weak labels of 3 real images with the project's own tool,
    # then load every supervision type through the training pipeline.
    root = _real_camvid_subset(camvid_root, tmp_path)
    tool = load_tool('tools/dataset_converters/simulate_weak_labels.py')
    weak_root = tmp_path / 'weak'
    tool.main(['--dataset', 'camvid', '--data-root', str(root), '--split',
               'train', '--out-dir', str(weak_root), '--workers', '1'])
    pipeline = _train_pipeline()
    for supervision in WEAK_TYPES + ('full', 'unlabeled'):
        ds = _weak_dataset(root, weak_root, supervision, pipeline=pipeline)
        assert len(ds) == 3
        for index in (0, 2):
            item = ds[index]
            sample = item['data_samples']
            assert item['inputs'].shape[0] == 3
            assert max(item['inputs'].shape[1:]) == 176  # the crop
            assert LABEL_FIELDS & set(sample.keys()) == (
                PACKED_FIELDS[supervision])
            assert sample.metainfo['supervision'] == supervision
            if 'gt_sparse_seg' in sample:
                assert set(sample.gt_sparse_seg.data.unique().tolist()) <= (
                    SPARSE_VALUES)
