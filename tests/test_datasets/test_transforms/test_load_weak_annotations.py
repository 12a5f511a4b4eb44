import mmcv
import numpy as np
import pytest

from mmlabeleff.datasets.transforms import LoadWeakAnnotations
from mmlabeleff.registry import TRANSFORMS


@pytest.fixture
def files(tmp_path):
    img = np.zeros((40, 60, 3), np.uint8)
    dense = np.repeat((np.arange(60) // 20).astype(np.uint8)[None], 40, 0)
    sparse = np.full((40, 60), 254, np.uint8)
    sparse[10, 5:50] = 2
    sparse[39] = 255
    paths = dict(img=tmp_path / 'img.png', dense=tmp_path / 'dense.png',
                 sparse=tmp_path / 'sparse.png', small=tmp_path / 'small.png')
    mmcv.imwrite(img, str(paths['img']))
    mmcv.imwrite(dense, str(paths['dense']))
    mmcv.imwrite(sparse, str(paths['sparse']))
    mmcv.imwrite(sparse[:30], str(paths['small']))
    return {k: str(v) for k, v in paths.items()}


def data_info(files, **kwargs):
    info = dict(
        img_path=files['img'], ori_shape=(40, 60),
        seg_map_path=files['dense'], sparse_map_path=files['sparse'],
        label_map={2: 0}, reduce_zero_label=False, seg_fields=[],
        image_labels=[0, 2],
        instances=[dict(bbox=[1, 2, 11, 12], bbox_label=2, ignore_flag=0),
                   dict(bbox=[20, 5, 40, 30], bbox_label=1, ignore_flag=1)],
        points=[dict(point=[10, 8], point_label=0),
                dict(point=[59, 39], point_label=1)])
    info.update(kwargs)
    return info


def test_loads_every_label_type(files, mmlabeleff_scope):
    transform = TRANSFORMS.build(dict(type='LoadWeakAnnotations',
                                      num_classes=3))
    results = transform(data_info(files))
    assert results['seg_fields'] == ['gt_seg_map', 'gt_sparse_seg_map']
    # label_map applies to the dense map only.
    assert set(np.unique(results['gt_seg_map'])) == {0, 1}
    sparse = results['gt_sparse_seg_map']
    assert sparse.dtype == np.uint8 and set(np.unique(sparse)) == {2, 254, 255}
    tags = results['gt_image_labels']
    assert tags.dtype == np.float32 and tags.tolist() == [1, 0, 1]
    assert results['gt_bboxes'].dtype == np.float32
    np.testing.assert_array_equal(results['gt_bboxes'],
                                  [[1, 2, 11, 12], [20, 5, 40, 30]])
    assert results['gt_bboxes_labels'].dtype == np.int64
    assert results['gt_bboxes_labels'].tolist() == [2, 1]
    assert results['gt_ignore_flags'].tolist() == [False, True]
    # Pixel indices become pixel centres.
    assert results['gt_points'].dtype == np.float32
    np.testing.assert_array_equal(results['gt_points'],
                                  [[10.5, 8.5], [59.5, 39.5]])
    assert results['gt_points_labels'].tolist() == [0, 1]
    assert 'LoadWeakAnnotations(with_seg=True' in repr(transform)


def test_optional_keys_and_flags(files):
    info = dict(img_path=files['img'], seg_fields=[])
    results = LoadWeakAnnotations()(info)
    assert results['seg_fields'] == [] and 'gt_seg_map' not in results
    transform = LoadWeakAnnotations(
        with_seg=False, with_image_labels=False, with_bbox=False,
        with_points=False, point_offset=0)
    results = transform(data_info(files, reduce_zero_label=None))
    assert results['seg_fields'] == ['gt_sparse_seg_map']
    for key in ('gt_seg_map', 'gt_image_labels', 'gt_bboxes', 'gt_points'):
        assert key not in results
    # num_classes may come from the data info; empty annotations load empty.
    info = data_info(files, num_classes=3, instances=[], points=[])
    del info['reduce_zero_label'], info['seg_fields']
    results = LoadWeakAnnotations(point_offset=0)(info)
    assert results['gt_bboxes'].shape == (0, 4)
    assert results['gt_points'].shape == (0, 2)
    assert results['gt_image_labels'].tolist() == [1, 0, 1]


def test_errors_name_the_files(files):
    with pytest.raises(ValueError, match=r'sparse.png: class ids \[2\]'):
        LoadWeakAnnotations(num_classes=2)(data_info(files, image_labels=None))
    with pytest.raises(ValueError, match=r'small.png is 30x60.*img.png is 40x60'):
        LoadWeakAnnotations()(data_info(files, sparse_map_path=files['small']))
    with pytest.raises(ValueError, match=r'small.png.*dense.png'):
        LoadWeakAnnotations()(
            data_info(files, sparse_map_path=files['small'], ori_shape=None))
    with pytest.raises(ValueError, match='image_labels need num_classes'):
        LoadWeakAnnotations()(data_info(files))
    with pytest.raises(ValueError, match=r'img.png: box labels \[2\]'):
        LoadWeakAnnotations(num_classes=2, with_sparse_seg=False)(
            data_info(files, image_labels=[0]))
    with pytest.raises(ValueError, match=r'img.png: points \[\[60.0, 3.0\]\]'):
        LoadWeakAnnotations()(data_info(
            files, image_labels=None,
            points=[dict(point=[60, 3], point_label=0)]))


@pytest.mark.parametrize('key,what', [('sparse_map_path', 'sparse label map'),
                                      ('seg_map_path', 'dense label map')])
def test_unreadable_label_pngs_name_the_file(files, tmp_path, key, what):
    from mmlabeleff.testing.fake_datasets import write_truncated_png
    cut = str(write_truncated_png(tmp_path / 'cut.png'))
    info = data_info(files, image_labels=None, **{key: cut})
    with pytest.raises(ValueError, match=f'{cut}: cannot decode the {what} '
                       f'\\(of image {files["img"]}\\)'):
        LoadWeakAnnotations()(info)
    (tmp_path / 'garbage.png').write_bytes(b'not a png at all')
    info = data_info(files, image_labels=None,
                     **{key: str(tmp_path / 'garbage.png')})
    with pytest.raises(ValueError, match=f'garbage.png: cannot decode the '
                       f'{what}'):
        LoadWeakAnnotations()(info)
    missing = str(tmp_path / 'missing.png')
    info = data_info(files, image_labels=None, **{key: missing})
    with pytest.raises(FileNotFoundError,
                       match=f'{missing}: {what} not found'):
        LoadWeakAnnotations()(info)


def test_load_weak_annotations_tags_from_the_whole_sparse_map(tmp_path):
    """image_labels_from_sparse: tags of the whole map, before any crop."""
    from PIL import Image
    sparse = np.full((6, 8), 254, np.uint8)
    sparse[1, 1:4] = 2
    sparse[4, 5] = 0
    sparse[5, :] = 255
    path = tmp_path / 's.png'
    Image.fromarray(sparse).save(path)
    results = dict(sparse_map_path=str(path), ori_shape=(6, 8))
    out = LoadWeakAnnotations(num_classes=4, image_labels_from_sparse=True)(
        dict(results))
    assert out['gt_image_labels'].tolist() == [1.0, 0.0, 1.0, 0.0]
    assert 'gt_image_labels' not in LoadWeakAnnotations(num_classes=4)(
        dict(results))
    with pytest.raises(ValueError, match='num_classes'):
        LoadWeakAnnotations(image_labels_from_sparse=True)(dict(results))
