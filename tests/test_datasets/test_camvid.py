"""CamVidDataset: split files, void handling, real data when present."""
import numpy as np
import pytest

from mmlabeleff.datasets import CamVidDataset

PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='mmseg.LoadAnnotations'),
    dict(type='mmseg.PackSegInputs'),
]


def _dataset(root, split='train', pipeline=PIPELINE):
    from mmengine.registry import init_default_scope
    init_default_scope('mmlabeleff')
    return CamVidDataset(data_root=str(root), ann_file=f'splits/{split}.txt',
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


def test_void_agrees_with_loss_padding_and_metric_ignore():
    from mmengine.config import Config
    cfg = Config.fromfile('configs/fully_supervised/deeplabv3plus/'
                          'deeplabv3plus_efflite0_1xb8-2k_camvid-full-176x176.py')
    assert cfg.model.data_preprocessor.seg_pad_val == 255
    assert cfg.model.decode_head.get('ignore_index', 255) == 255
    assert cfg.val_evaluator.get('ignore_index', 255) == 255


def test_bad_split_files_name_the_file(tmp_path):
    (tmp_path / 'splits').mkdir()
    (tmp_path / 'splits' / 'train.txt').write_text('only_one_column.png\n')
    with pytest.raises(ValueError, match=r'train.txt:1'):
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
