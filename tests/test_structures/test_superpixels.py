"""Over-segmentations: ids, 16-bit files, errors, the folder writer."""
import json

import numpy as np
import pytest

from mmlabeleff.structures.superpixels import (
    compute_superpixels,
    load_superpixel_map,
    save_superpixel_map,
    write_superpixel_maps,
)


def two_tone_image():
    image = np.zeros((40, 60, 3), dtype=np.uint8)
    image[:, 30:] = 255
    image[10:20, 5:15] = (0, 200, 0)
    return image


@pytest.mark.parametrize('method', ['felzenszwalb', 'slic'])
def test_segments_follow_edges_with_consecutive_ids(method):
    segments = compute_superpixels(two_tone_image(), method)
    assert segments.dtype == np.uint16 and segments.shape == (40, 60)
    ids = np.unique(segments)
    assert np.array_equal(ids, np.arange(len(ids)))
    # no segment straddles the black / white edge
    left, right = set(np.unique(segments[:, :29])), set(np.unique(segments[:, 31:]))
    assert not left & right


def test_errors():
    with pytest.raises(ValueError, match='unknown superpixel method'):
        compute_superpixels(two_tone_image(), 'watershed')
    with pytest.raises(ValueError, match='unknown parameters'):
        compute_superpixels(two_tone_image(), 'felzenszwalb', n_segments=3)
    with pytest.raises(ValueError, match='must be finite'):
        compute_superpixels(two_tone_image(), 'felzenszwalb', scale=-1)
    with pytest.raises(ValueError, match='must be finite'):
        compute_superpixels(two_tone_image(), 'slic', n_segments=0)
    with pytest.raises(ValueError, match='RGB'):
        compute_superpixels(np.zeros((4, 4), np.uint8))


def test_16_bit_round_trip_and_bad_files(tmp_path):
    segments = (np.arange(30 * 40).reshape(30, 40) % 1000).astype(np.uint16)
    path = str(tmp_path / 'a.png')
    save_superpixel_map(path, segments)
    assert np.array_equal(load_superpixel_map(path), segments)
    with pytest.raises(FileNotFoundError, match='b.png: superpixel map'):
        load_superpixel_map(str(tmp_path / 'b.png'))
    broken = tmp_path / 'c.png'
    broken.write_bytes(open(path, 'rb').read()[:40])
    with pytest.raises(ValueError, match='c.png: cannot decode'):
        load_superpixel_map(str(broken))


def test_writer_skips_existing_maps(tmp_path):
    import cv2
    img = tmp_path / 'img.png'
    cv2.imwrite(str(img), two_tone_image()[..., ::-1])
    samples = [dict(id='x', img_path=str(img))]
    out = tmp_path / 'out'
    summary = write_superpixel_maps(samples, str(out))
    assert summary['num_images'] == 1 and summary['mean_segments'] >= 2
    assert json.loads((out / 'superpixels.json').read_text())['method'] == \
        'felzenszwalb'
    # a re-run keeps the file (here replaced by a marker map)
    save_superpixel_map(str(out / 'x.png'), np.zeros((40, 60), np.uint16))
    again = write_superpixel_maps(samples, str(out))
    assert again['mean_segments'] == 1
    write_superpixel_maps(samples, str(out), overwrite=True)
    assert load_superpixel_map(str(out / 'x.png')).max() >= 1
