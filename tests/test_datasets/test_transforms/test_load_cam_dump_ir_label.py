"""LoadCAMDump and LoadIRLabel: the image-tag pipeline's transforms, and
PackWeakSegInputs packing their outputs."""
import numpy as np
import pytest
import torch

from mmlabeleff.datasets.transforms import LoadCAMDump, LoadIRLabel, PackWeakSegInputs
from mmlabeleff.structures import load_label_png, save_cam_dump


def _dump(folder, name='img', shape=(12, 16)):
    h, w = shape
    cams = np.zeros((2, h, w), np.float32)
    cams[0, :, :w // 2] = 1.0  # class 3 on the left half
    cams[1, :, w // 2:] = 0.9  # class 5 on the right half
    cams[1, :, -2:] = 0.1  # weak at the right edge: uncertain
    strided = cams[:, ::4, ::4]
    save_cam_dump(str(folder / f'{name}.npz'), cams, strided, [3, 5], (h, w))
    return cams


def _results(tmp_path, shape=(12, 16)):
    img = np.zeros(shape + (3, ), np.uint8)
    img[:, shape[1] // 2:] = 200
    return dict(img=img, img_path=str(tmp_path / 'img.png'), ori_shape=shape,
                img_shape=shape, seg_fields=[])


def test_load_cam_dump_adds_and_packs_cams(tmp_path):
    _dump(tmp_path)
    results = LoadCAMDump(str(tmp_path), with_cams=True)(_results(tmp_path))
    assert results['cam_labels'] == [3, 5]
    assert results['strided_cams'].shape == (2, 3, 4)
    assert results['cams'].shape == (2, 12, 16)
    packed = PackWeakSegInputs()(results)['data_samples']
    assert packed.cam_labels == [3, 5]
    assert packed.strided_cams.data.shape == (2, 3, 4)
    assert torch.allclose(packed.cams.data[0, 0, 0], torch.tensor(1.0))


def test_load_cam_dump_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='img.npz'):
        LoadCAMDump(str(tmp_path))(_results(tmp_path))
    _dump(tmp_path, shape=(12, 20))
    with pytest.raises(ValueError, match=r'img\.npz: CAM dump of size \(12, 20\)'):
        LoadCAMDump(str(tmp_path))(_results(tmp_path))


def test_load_ir_label_computes_once_then_reads_the_cache(tmp_path, monkeypatch):
    dumps, labels = tmp_path / 'dumps', tmp_path / 'labels'
    dumps.mkdir()
    _dump(dumps)
    transform = LoadIRLabel(str(dumps), str(labels), crf=dict(
        type='DenseCRFRefiner', preset='irn', num_iters=0))  # no smoothing
    results = transform(_results(tmp_path))
    label = results['gt_seg_map']
    assert results['seg_fields'] == ['gt_seg_map']
    # left half class 3, right half class 5, the weak edge uncertain (255)
    assert (label[:, :8] == 3).all() and (label[:, 8:14] == 5).all()
    assert (label[:, 14:] == 255).all()
    cached = labels / 'img.png'
    assert np.array_equal(load_label_png(str(cached)), label)

    def fail(*args):
        raise AssertionError('recomputed')

    monkeypatch.setattr(transform, 'make_label', fail)
    again = transform(_results(tmp_path))
    assert np.array_equal(again['gt_seg_map'], label)


def test_load_ir_label_with_background_and_size_errors(tmp_path):
    dumps = tmp_path / 'dumps'
    dumps.mkdir()
    _dump(dumps)
    transform = LoadIRLabel(str(dumps), str(tmp_path / 'l'), background_index=0,
                            crf=dict(type='DenseCRFRefiner', num_iters=0))
    label = transform(_results(tmp_path))['gt_seg_map']
    # below 0.05 nowhere, 0.1 at the edge: between the planes -> uncertain
    assert (label[:, 14:] == 255).all()
    with pytest.raises(ValueError, match='img.npz: CAM dump of size'):
        LoadIRLabel(str(dumps), str(tmp_path / 'l2'))(_results(tmp_path, (12, 20)))


@pytest.mark.parametrize('kwargs, message', [
    (dict(conf_fg_thres=5), 'conf_fg_thres'),
    (dict(conf_bg_thres=-0.1), 'conf_bg_thres'),
    (dict(gt_prob=1.0), 'gt_prob')])
def test_load_ir_label_rejects_absurd_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        LoadIRLabel('dumps', 'labels', **kwargs)
