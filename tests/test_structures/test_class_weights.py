"""Tests of :mod:`mmlabeleff.structures.class_weights` (median-frequency
class weights)."""
import json

import numpy as np
import pytest
from PIL import Image

from mmlabeleff.structures import (
    class_weights_from_folder,
    count_class_frequencies,
    list_label_files,
    median_frequency_weights,
)

REFERENCE_CONFIG = ('configs/fully_supervised/deeplabv3plus/'
                    'deeplabv3plus-mfb_efflite0_1xb8-2k_camvid-full-176x176.py')
# Image a: 3 px of class 0, 2 of class 1, 1 ignored, 2 unlabeled (8 px).
MAP_A = np.array([[0, 0, 1, 254], [0, 255, 1, 254]], np.uint8)
# Image b: 1 px of class 1, 3 of class 2 (4 px).
MAP_B = np.array([[1, 2], [2, 2]], np.uint8)


def _write_folder(folder, maps):
    folder.mkdir(parents=True, exist_ok=True)
    for name, label_map in maps.items():
        Image.fromarray(label_map).save(folder / f'{name}.png')
    return folder


def test_counts_and_weights_by_hand():
    counts = count_class_frequencies([MAP_A, MAP_B], 3)
    assert counts['class_pixels'] == [3, 3, 3]
    assert counts['image_pixels'] == [5, 9, 4]  # labelled px of a, a+b, b
    assert counts['images_with_class'] == [1, 2, 1]
    assert (counts['num_images'], counts['labelled_pixels'],
            counts['total_pixels']) == (2, 9, 12)
    # freq = 0.6, 1/3, 0.75; median 0.6
    result = median_frequency_weights(counts['class_pixels'],
                                      counts['image_pixels'])
    assert result['weights'] == [1.0, 1.8, 0.8]
    assert result['median'] == pytest.approx(0.6)
    assert result['missing'] == []
    # all pixels of the images: freq = 3/8, 3/12, 3/4; median 0.375
    counts = count_class_frequencies([MAP_A, MAP_B], 3, denominator='image')
    assert counts['image_pixels'] == [8, 12, 4]
    assert median_frequency_weights(counts['class_pixels'],
                                    counts['image_pixels'])['weights'] == [
                                        1.0, 1.5, 0.5]


def test_rounding_and_missing_classes():
    counts = count_class_frequencies([MAP_A, MAP_B], 4)
    result = median_frequency_weights(counts['class_pixels'],
                                      counts['image_pixels'], decimals=None)
    assert result['missing'] == [3]
    assert result['weights'][3] == 0.0 and result['frequencies'][3] is None
    assert result['weights'][1] == pytest.approx(1.8)
    rounded = median_frequency_weights([1, 3, 7], [3, 3, 3], decimals=4)
    assert rounded['weights'] == [3.0, 1.0, 0.4286]
    # an even number of classes: the median is the mean of the middle two
    assert median_frequency_weights([1, 2, 3, 4], [10] * 4)['weights'] == [
        2.5, 1.25, 0.8333, 0.625]
    with pytest.raises(ValueError, match='no class'):
        median_frequency_weights([0, 0], [0, 0])
    with pytest.raises(ValueError, match='denominator'):
        count_class_frequencies([MAP_A], 3, denominator='pixels')


def test_folder_of_sparse_maps(tmp_path):
    folder = _write_folder(tmp_path / 'scribbles', dict(a=MAP_A, b=MAP_B))
    (tmp_path / 'scribbles' / 'notes.txt').write_text('not a label map')
    result = class_weights_from_folder(str(folder), 3)
    assert result['weights'] == [1.0, 1.8, 0.8]
    assert result['num_images'] == 2 and result['denominator'] == 'labelled'
    assert json.loads(json.dumps(result)) == result  # JSON-ready
    # a subset of the files, e.g. a split
    only_b = class_weights_from_folder(
        str(folder), 3, paths=[str(folder / 'b.png')])
    assert only_b['missing'] == [0] and only_b['num_images'] == 1


def test_folder_of_dense_masks_with_a_void_id(camvid_tiny_root):
    folder = camvid_tiny_root / 'trainannot'
    result = class_weights_from_folder(str(folder), 11, label_map={11: 255})
    maps = [np.array(Image.open(p)) for p in list_label_files(str(folder))]
    assert len(maps) == 4
    pixels = np.zeros(11)
    image_pixels = np.zeros(11)
    for m in maps:
        counts = np.bincount(m[m < 11], minlength=11)
        pixels += counts
        image_pixels[counts > 0] += counts.sum()
    seen = pixels > 0
    freq = pixels[seen] / image_pixels[seen]
    expected = np.zeros(11)
    expected[seen] = np.round(np.median(freq) / freq, 4)
    np.testing.assert_allclose(result['weights'], expected)
    assert result['labelled_pixels'] == sum((m < 11).sum() for m in maps)
    # the void id is not a label even unmapped: values >= K never count
    assert class_weights_from_folder(str(folder), 11)['weights'] == \
        result['weights']


def test_bad_folders(tmp_path):
    with pytest.raises(FileNotFoundError, match='folder not found'):
        class_weights_from_folder(str(tmp_path / 'nope'), 3)
    (tmp_path / 'empty').mkdir()
    with pytest.raises(FileNotFoundError, match='no \\*.png label maps'):
        class_weights_from_folder(str(tmp_path / 'empty'), 3)
    folder = _write_folder(tmp_path / 'unlabelled',
                           dict(a=np.full((3, 3), 254, np.uint8)))
    with pytest.raises(ValueError, match='no pixel of the 3 classes'):
        class_weights_from_folder(str(folder), 3)
    (folder / 'b.png').write_bytes(b'\x89PNG broken')
    with pytest.raises(ValueError, match='b.png'):
        class_weights_from_folder(str(folder), 3)
    with pytest.raises(ValueError, match='num_classes'):
        class_weights_from_folder(str(folder), 0)


def test_reproduces_the_camvid_reference_weights(camvid_root, repo_root):
    """The reference config's weights were measured on all pixels of the
    train images that contain a class (void included): ``denominator=
    'image'`` reproduces them exactly; the labelled-pixel definition
    differs in the third or fourth decimal."""
    from mmengine.config import Config
    cfg = Config.fromfile(str(repo_root / REFERENCE_CONFIG))
    reference = list(cfg.model.decode_head.loss_decode.class_weight)
    folder = str(camvid_root / 'trainannot')
    result = class_weights_from_folder(folder, 11, label_map={11: 255},
                                       denominator='image')
    assert result['num_images'] == 367
    assert result['weights'] == reference
    labelled = class_weights_from_folder(folder, 11, label_map={11: 255})
    assert labelled['weights'] != reference
    np.testing.assert_allclose(labelled['weights'], reference, rtol=0.01)
