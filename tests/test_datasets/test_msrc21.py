"""MSRC21Dataset: split files, void, weak labels simulated from its masks,
real data when present."""
import numpy as np
import pytest

from mmlabeleff.datasets import MSRC21Dataset
from mmlabeleff.structures import list_split_samples, simulate_weak_labels
from mmlabeleff.testing.fake_datasets import (
    DENSE_PIPELINE,
    build_dataset,
    copy_tiny,
    data_infos,
    weak_pipeline,
)

# (name, background, objects) of tests/data/make_msrc21_tiny.py, train split
TRAIN_CLASSES = {'1_1_s': [1, 3], '1_2_s': [1, 3, 4], '6_1_s': [5, 6],
                 '9_3_s': [0, 5, 9]}


def _dataset(root, split='train', pipeline=DENSE_PIPELINE, **kwargs):
    return build_dataset(MSRC21Dataset, root, ann_file=f'splits/{split}.txt',
                         pipeline=pipeline, **kwargs)


@pytest.fixture(scope='module')
def msrc21_tiny_weak_root(msrc21_tiny_root, tmp_path_factory):
    samples, classes, label_map = list_split_samples(
        str(msrc21_tiny_root), 'train', dataset='msrc21')
    out = tmp_path_factory.mktemp('msrc21_tiny_weak')
    simulate_weak_labels(samples, str(out), len(classes), classes=classes,
                         label_map=label_map, workers=1, dataset='msrc21')
    return out


def test_tiny_msrc21_loads_masks_with_void_255(msrc21_tiny_root):
    ds = _dataset(msrc21_tiny_root)
    assert len(ds) == 4 and len(_dataset(msrc21_tiny_root, 'val')) == 2
    assert ds.metainfo['classes'][:3] == ('building', 'grass', 'tree')
    assert len(ds.metainfo['classes']) == len(ds.metainfo['palette']) == 21
    item = ds[1]
    seg = item['data_samples'].gt_sem_seg.data.numpy()[0]
    assert item['inputs'].shape == (3, 48, 64) and seg.shape == (48, 64)
    # 1_2_s: grass, a sheep and a cow, a 2-pixel void frame
    assert (seg[:2] == 255).all() and (seg[:, -2:] == 255).all()
    assert sorted(np.unique(seg[2:-2, 2:-2]).tolist()) == [1, 3, 4]
    assert seg[20, 40] == 4 and seg[25, 10] == 3


def test_msrc21_list_split_samples_has_no_label_map(msrc21_tiny_root):
    samples, classes, label_map = list_split_samples(
        str(msrc21_tiny_root), 'train', dataset='msrc21')
    assert [s['id'] for s in samples] == list(TRAIN_CLASSES)
    assert len(classes) == 21 and label_map == {}
    with pytest.raises(ValueError, match="unknown split dataset 'msrc'"):
        list_split_samples(str(msrc21_tiny_root), dataset='msrc')


def test_msrc21_tags_are_the_classes_of_each_mask(msrc21_tiny_root,
                                                  msrc21_tiny_weak_root):
    ds = _dataset(msrc21_tiny_root, pipeline=[], supervision='tags',
                  weak_root=str(msrc21_tiny_weak_root))
    infos = data_infos(ds)
    tags = {info['img_path'].split('/')[-1][:-4]: info['image_labels']
            for info in infos}
    assert tags == TRAIN_CLASSES
    assert all('seg_map_path' not in info for info in infos)


@pytest.mark.parametrize('supervision,field', [('scribbles', 'gt_sparse_seg'),
                                               ('points', 'gt_points'),
                                               ('boxes', 'gt_instances')])
def test_msrc21_weak_samples_pack_their_labels(msrc21_tiny_root,
                                               msrc21_tiny_weak_root,
                                               supervision, field):
    ds = _dataset(msrc21_tiny_root, pipeline=weak_pipeline(21),
                  supervision=supervision,
                  weak_root=str(msrc21_tiny_weak_root))
    sample = ds[1]['data_samples']
    assert field in sample and 'gt_sem_seg' not in sample
    if supervision == 'scribbles':
        values = set(np.unique(sample.gt_sparse_seg.data.numpy()).tolist())
        assert {1, 3, 4, 254} <= values <= {1, 3, 4, 254, 255}


def test_msrc21_weak_with_class_subset_is_an_error(msrc21_tiny_root,
                                                   msrc21_tiny_weak_root):
    with pytest.raises(ValueError, match="own 21 class ids"):
        _dataset(msrc21_tiny_root, pipeline=[], supervision='tags',
                 weak_root=str(msrc21_tiny_weak_root),
                 metainfo=dict(classes=('grass', 'cow')))


def test_msrc21_missing_mask_is_named(tmp_path):
    root = copy_tiny('msrc21', tmp_path / 'msrc21')
    (root / 'trainannot' / '6_1_s.png').unlink()
    with pytest.raises(FileNotFoundError, match=r'trainannot/6_1_s.png'):
        _dataset(root, pipeline=[])


def test_real_msrc21_splits_and_classes_per_image(msrc21_root):
    train = _dataset(msrc21_root, 'train', pipeline=[])
    val = _dataset(msrc21_root, 'val', pipeline=[])
    assert len(train) == 277 and len(val) == 58
    ds = _dataset(msrc21_root, 'val')
    counts = []
    for index in range(0, len(ds), 6):
        seg = ds[index]['data_samples'].gt_sem_seg.data.numpy()
        values = set(np.unique(seg).tolist())
        assert values <= set(range(21)) | {255}
        counts.append(len(values - {255}))
    # object-centric photos: a few classes per image, not almost all of them
    assert 1.5 <= np.mean(counts) <= 4


def test_seg_map_root_replaces_the_masks(msrc21_tiny_root, tmp_path):
    """``seg_map_root``: a full recipe trains on pseudo masks by image id; a
    missing one is named."""
    from PIL import Image
    for stem in TRAIN_CLASSES:
        Image.fromarray(np.full((48, 64), 7, np.uint8)).save(tmp_path / f'{stem}.png')
    ds = _dataset(msrc21_tiny_root, seg_map_root=str(tmp_path))
    assert [ds.get_data_info(i)['seg_map_path'] for i in range(len(ds))] == [
        str(tmp_path / f'{stem}.png') for stem in sorted(TRAIN_CLASSES)]
    assert (ds[0]['data_samples'].gt_sem_seg.data == 7).all()
    (tmp_path / '6_1_s.png').unlink()
    with pytest.raises(FileNotFoundError, match='6_1_s.png.*pseudo mask'):
        _dataset(msrc21_tiny_root, seg_map_root=str(tmp_path))
