"""Tests of mmlabeleff.structures.cam_dump (seeds, dump files, IR labels)."""
import numpy as np
import pytest
import torch

from mmlabeleff.structures.cam_dump import (
    CAM_DUMP_KEYS,
    cam_seed,
    confident_labels,
    dump_path,
    load_cam_dump,
    load_label_png,
    save_cam_dump,
)


def _scores():
    # (2, 2, 3) scores of classes 4 and 9
    return torch.tensor([[[0.9, 0.1, 0.5], [0.0, 0.6, 0.2]],
                         [[0.2, 0.8, 0.5], [0.05, 0.7, 0.1]]])


# ----------------------------------------------------------------- cam_seed
def test_cam_seed_plain_argmax_without_threshold():
    seed = cam_seed(_scores(), [4, 9])
    assert seed.dtype == torch.long
    # ties (column 2 of row 0) go to the first map
    assert seed.tolist() == [[4, 9, 4], [9, 9, 4]]


def test_cam_seed_plane_wins_ties_and_is_255_without_background():
    seed = cam_seed(_scores(), [4, 9], threshold=0.5)
    # 0.5 equals the best score at (0, 2): the plane wins the tie
    assert seed.tolist() == [[4, 9, 255], [255, 9, 255]]
    seed = cam_seed(_scores(), [4, 9], threshold=0.5, ignore_index=254)
    assert seed.tolist() == [[4, 9, 254], [254, 9, 254]]


def test_cam_seed_plane_is_background_index():
    seed = cam_seed(_scores(), [4, 9], background_index=0, threshold=0.5)
    assert seed.tolist() == [[4, 9, 0], [0, 9, 0]]
    # a low plane keeps the argmax everywhere but where all scores are below it
    seed = cam_seed(_scores(), [4, 9], background_index=0, threshold=0.15)
    assert seed.tolist() == [[4, 9, 4], [0, 9, 4]]


@pytest.mark.parametrize('background_index, threshold, expected', [
    (None, None, 255), (None, 0.3, 255), (0, 0.3, 0), (7, 0.3, 7)])
def test_cam_seed_without_tags_gives_the_plane(background_index, threshold, expected):
    seed = cam_seed(torch.zeros(0, 3, 4), [], background_index, threshold)
    assert seed.shape == (3, 4) and seed.dtype == torch.long
    assert (seed == expected).all()


def test_cam_seed_errors():
    with pytest.raises(ValueError, match='labels'):
        cam_seed(_scores(), [4])
    with pytest.raises(ValueError, match='labels'):
        cam_seed(_scores()[0], [4, 9])
    with pytest.raises(ValueError, match='threshold'):
        cam_seed(_scores(), [4, 9], background_index=0)


# ------------------------------------------------------------ dump files
def _arrays(seed=0):
    gen = torch.Generator().manual_seed(seed)
    cams = torch.rand(2, 5, 7, generator=gen)
    strided = torch.rand(2, 2, 2, generator=gen)
    return cams, strided


def test_dump_path():
    assert dump_path('/d', '/data/img/0001TP_006690.png') == '/d/0001TP_006690.npz'
    assert dump_path('d', 'a/b.c.jpg', suffix='.png') == 'd/b.c.png'


def test_save_load_round_trip(tmp_path):
    cams, strided = _arrays()
    path = str(tmp_path / 'img.npz')
    stored = save_cam_dump(path, cams, strided.numpy(), (3, 11), (5, 7, 3))
    assert stored['cams'].dtype == np.float16
    loaded = load_cam_dump(path)
    assert set(loaded) == set(CAM_DUMP_KEYS)
    assert loaded['cams'].dtype == np.float16
    assert loaded['strided_cams'].dtype == np.float16
    assert loaded['cam_labels'].dtype == np.int64
    assert loaded['cam_labels'].tolist() == [3, 11]
    assert loaded['ori_shape'].tolist() == [5, 7]
    np.testing.assert_allclose(loaded['cams'].astype(np.float32), cams.numpy(),
                               atol=1e-3, rtol=0)
    np.testing.assert_allclose(loaded['strided_cams'].astype(np.float32),
                               strided.numpy(), atol=1e-3, rtol=0)
    for key in CAM_DUMP_KEYS:
        np.testing.assert_array_equal(loaded[key], stored[key])


def test_save_rejects_inconsistent_arrays(tmp_path):
    cams, strided = _arrays()
    path = str(tmp_path / 'bad.npz')
    with pytest.raises(ValueError, match='bad.npz'):
        save_cam_dump(path, cams, strided, [3], (5, 7))  # 1 label, 2 CAMs
    with pytest.raises(ValueError, match='ori_shape'):
        save_cam_dump(path, cams, strided, [3, 4], (5, 8))
    assert not (tmp_path / 'bad.npz').exists()


def test_load_truncated_file(tmp_path):
    cams, strided = _arrays()
    path = tmp_path / 'img.npz'
    save_cam_dump(str(path), cams, strided, [3, 11], (5, 7))
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    with pytest.raises(ValueError) as err:
        load_cam_dump(str(path))
    assert str(path) in str(err.value)


def test_load_not_an_npz(tmp_path):
    path = tmp_path / 'img.npz'
    path.write_text('not a numpy archive\n')
    with pytest.raises(ValueError) as err:
        load_cam_dump(str(path))
    assert str(path) in str(err.value)


def test_load_npy_instead_of_npz(tmp_path):
    path = tmp_path / 'img.npz'
    with open(path, 'wb') as f:
        np.save(f, np.zeros((2, 5, 7), np.float16))
    with pytest.raises(ValueError) as err:
        load_cam_dump(str(path))
    assert str(path) in str(err.value)


def test_load_missing_key(tmp_path):
    cams, strided = _arrays()
    path = tmp_path / 'img.npz'
    np.savez_compressed(path, cams=cams.numpy().astype(np.float16),
                        cam_labels=np.array([3, 11]), ori_shape=np.array([5, 7]))
    with pytest.raises(ValueError, match='strided_cams') as err:
        load_cam_dump(str(path))
    assert str(path) in str(err.value)


def test_load_inconsistent_arrays(tmp_path):
    cams, strided = _arrays()
    path = tmp_path / 'img.npz'
    np.savez_compressed(path, cams=cams.numpy().astype(np.float16),
                        strided_cams=strided.numpy().astype(np.float16),
                        cam_labels=np.array([3, 11]), ori_shape=np.array([5, 8]))
    with pytest.raises(ValueError, match='ori_shape') as err:
        load_cam_dump(str(path))
    assert str(path) in str(err.value)


def test_load_missing_file(tmp_path):
    path = str(tmp_path / 'absent.npz')
    with pytest.raises(FileNotFoundError, match='absent.npz'):
        load_cam_dump(path)


# --------------------------------------------------------- confident_labels
def _identity(index, num_labels):
    return index


def _cams():
    # two CAMs (classes 3 and 7) on a 2x4 map
    return torch.tensor([[[0.90, 0.20, 0.04, 0.31], [0.00, 0.10, 0.60, 0.30]],
                         [[0.10, 0.25, 0.01, 0.05], [0.02, 0.50, 0.70, 0.06]]])


def test_confident_labels_without_background():
    out = confident_labels(_cams(), [3, 7], _identity)
    assert out.dtype == torch.long
    # below 0.30 (or tied with it) -> 255, else the argmax class
    assert out.tolist() == [[3, 255, 255, 3], [255, 7, 7, 255]]


def test_confident_labels_with_background():
    out = confident_labels(_cams(), [3, 7], _identity, background_index=0)
    # <= 0.05 in all CAMs -> background; (0.05, 0.30] -> uncertain
    assert out.tolist() == [[3, 255, 0, 3], [0, 7, 7, 255]]


def test_confident_labels_thresholds_and_refine_arguments():
    calls = []

    def refine(index, num_labels):
        calls.append((tuple(index.shape), index.dtype, num_labels))
        return index

    out = confident_labels(_cams(), [3, 7], refine, background_index=0,
                           conf_fg_thres=0.5, conf_bg_thres=0.2, ignore_index=250)
    assert calls == [((1, 2, 4), torch.long, 3)] * 2
    assert out.tolist() == [[3, 250, 0, 250], [0, 250, 7, 250]]


def test_confident_labels_uses_the_refined_map():
    # a refiner that erases everything to the plane: all uncertain / background
    def to_plane(index, num_labels):
        return torch.zeros_like(index)

    assert (confident_labels(_cams(), [3, 7], to_plane) == 255).all()
    assert (confident_labels(_cams(), [3, 7], to_plane, background_index=0) == 0).all()


# ----------------------------------------------------------- load_label_png
def test_load_label_png(tmp_path):
    from PIL import Image
    label = np.array([[0, 3, 255], [7, 7, 1]], np.uint8)
    path = tmp_path / 'img.png'
    Image.fromarray(label).save(path)
    out = load_label_png(str(path))
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, label)

    Image.fromarray(np.zeros((2, 3, 3), np.uint8)).save(path)
    with pytest.raises(ValueError, match='one uint8 channel') as err:
        load_label_png(str(path))
    assert str(path) in str(err.value)

    Image.fromarray(np.arange(4096, dtype=np.uint8).reshape(64, 64)).save(path)
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    with pytest.raises(ValueError) as err:
        load_label_png(str(path))
    assert str(path) in str(err.value)

    with pytest.raises(FileNotFoundError, match='absent.png'):
        load_label_png(str(tmp_path / 'absent.png'))


def test_cached_label_png_makes_once_and_checks_the_size(tmp_path):
    from mmlabeleff.structures import cached_label_png
    path = str(tmp_path / 'cache' / 'a.png')
    calls = []

    def make():
        calls.append(1)
        return np.full((3, 4), 2, np.uint8)

    first = cached_label_png(path, make, (3, 4), 'a.jpg')
    again = cached_label_png(path, make, (3, 4), 'a.jpg')
    assert calls == [1] and (first == again).all() and again.dtype == np.uint8
    # a stale cache (another image size): the error names the file
    with pytest.raises(ValueError, match=r'a\.png: label of size \(3, 4\) for '
                       r'the image a\.jpg of size \(5, 4\); delete it'):
        cached_label_png(path, make, (5, 4), 'a.jpg')
