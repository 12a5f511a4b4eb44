"""LoadCAMPseudoLabels: SPML's CAM labels of tag and box samples, cached."""
import numpy as np
import pytest

from mmlabeleff.datasets.transforms import (
    LoadCAMPseudoLabels,
    LoadWeakAnnotations,
    PackWeakSegInputs,
)
from mmlabeleff.structures import UNLABELED_INDEX, load_label_png, save_cam_dump
from mmlabeleff.utils.atomic_io import save_png_atomic


def _dump(folder, shape=(12, 16)):
    h, w = shape
    cams = np.zeros((2, h, w), np.float32)
    cams[0, :, :w // 2] = 1.0  # class 3 on the left half
    cams[1, :, w // 2:] = 0.9  # class 5 on the right half
    cams[1, :, -2:] = 0.02  # weak at the right edge
    save_cam_dump(str(folder / 'img.npz'), cams, cams[:, ::4, ::4], [3, 5],
                  (h, w))


def _results(tmp_path, supervision, shape=(12, 16), **extra):
    return dict(img=np.zeros(shape + (3, ), np.uint8),
                img_path=str(tmp_path / 'img.png'), ori_shape=shape,
                img_shape=shape, seg_fields=[], supervision=supervision,
                **extra)


def test_tags_labels_computed_once_then_read_from_the_cache(tmp_path):
    _dump(tmp_path)
    cache = tmp_path / 'labels'
    transform = LoadCAMPseudoLabels(str(tmp_path), str(cache))
    results = transform(_results(tmp_path, 'tags'))
    label = results['gt_sparse_seg_map']
    assert label.dtype == np.uint8 and results['seg_fields'] == ['gt_sparse_seg_map']
    assert (label[:, :8] == 3).all() and (label[:, 8:14] == 5).all()
    assert (label[:, 14:] == UNLABELED_INDEX).all()  # no background class
    path = cache / 'tags' / 'img.png'
    assert (load_label_png(str(path)) == label).all()
    # the cached file is what later epochs read
    save_png_atomic(str(path), np.full((12, 16), 7, np.uint8))
    assert (transform(_results(tmp_path, 'tags'))['gt_sparse_seg_map'] == 7).all()
    packed = PackWeakSegInputs()(transform(_results(tmp_path, 'tags')))
    assert packed['data_samples'].gt_sparse_seg.data.shape == (1, 12, 16)


def test_boxes_labels_from_loaded_boxes(tmp_path):
    _dump(tmp_path)
    info = _results(tmp_path, 'boxes', instances=[
        dict(bbox=[0, 0, 8, 12], bbox_label=3, ignore_flag=0),
        dict(bbox=[8, 0, 12, 6], bbox_label=5, ignore_flag=0)])
    results = LoadWeakAnnotations(num_classes=11, image_labels_from_sparse=True,
                                  with_seg=False)(info)
    # the whole image's tags are the box classes
    assert results['gt_image_labels'].nonzero()[0].tolist() == [3, 5]
    results = LoadCAMPseudoLabels(str(tmp_path), str(tmp_path / 'c'),
                                  background_index=0)(results)
    label = results['gt_sparse_seg_map']
    assert (label[:, :8] == 3).all() and (label[:6, 8:12] == 5).all()
    assert (label[6:, 8:] == 0).all() and (label[:, 12:] == 0).all()


def test_other_supervision_passes_unchanged(tmp_path):
    transform = LoadCAMPseudoLabels(str(tmp_path / 'none'), str(tmp_path / 'c'))
    results = transform(_results(tmp_path, 'scribbles'))
    assert 'gt_sparse_seg_map' not in results and results['seg_fields'] == []
    assert not (tmp_path / 'c').exists()  # nothing read, nothing written


def test_errors_name_the_file(tmp_path):
    transform = LoadCAMPseudoLabels(str(tmp_path), str(tmp_path / 'c'))
    with pytest.raises(FileNotFoundError, match='img.npz'):
        transform(_results(tmp_path, 'tags'))
    _dump(tmp_path, shape=(12, 20))
    with pytest.raises(ValueError, match=r'img\.npz: CAM dump of size \(12, 20\)'):
        transform(_results(tmp_path, 'tags'))
    with pytest.raises(ValueError, match='without gt_bboxes'):
        transform(_results(tmp_path, 'boxes', shape=(12, 20)))
    # CAM labels of another dataset (class 5 with 4 classes)
    with pytest.raises(ValueError,
                       match=r'img\.npz: CAM labels \[3, 5\] outside 0\.\.3'):
        LoadCAMPseudoLabels(str(tmp_path), str(tmp_path / 'c'), num_classes=4)(
            _results(tmp_path, 'tags', shape=(12, 20)))
    # a truncated dump
    data = (tmp_path / 'img.npz').read_bytes()
    (tmp_path / 'img.npz').write_bytes(data[:len(data) // 2])
    with pytest.raises(ValueError, match=r'img\.npz: corrupt or truncated'):
        transform(_results(tmp_path, 'tags', shape=(12, 20)))
    assert not (tmp_path / 'c' / 'tags' / 'img.png').exists()
    for kwargs, match in ((dict(alpha=0), 'alpha'),
                          (dict(tag_threshold=2), 'tag_threshold'),
                          (dict(supervision=('points', )), 'supervision')):
        with pytest.raises(ValueError, match=match):
            LoadCAMPseudoLabels('a', 'b', **kwargs)
