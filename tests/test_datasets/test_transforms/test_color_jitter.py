"""ColorJitter: negative hue shifts work (numpy 2) and match the PIL rule."""
import numpy as np
import pytest
from PIL import Image

from mmlabeleff.datasets.transforms import ColorJitter
from mmlabeleff.datasets.transforms.color_jitter import adjust_hue


def _image(seed=0):
    return np.random.RandomState(seed).randint(0, 256, (12, 10, 3),
                                               dtype=np.uint8)


@pytest.mark.parametrize('factor', [-0.25, -0.02, 0.0, 0.1, 0.25])
def test_adjust_hue_shifts_the_pil_hue_channel(factor):
    img = _image()
    out = adjust_hue(img, factor)
    assert out.dtype == np.uint8 and out.shape == img.shape
    hue_in = np.asarray(Image.fromarray(img[..., ::-1]).convert('HSV'))[..., 0]
    hue_out = np.asarray(Image.fromarray(out[..., ::-1]).convert('HSV'))[...,
                                                                         0]
    shift = (int(factor * 255)) % 256
    # HSV -> RGB -> HSV rounds: compare the circular difference
    diff = (hue_out.astype(int) - hue_in.astype(int) - shift) % 256
    diff = np.minimum(diff, 256 - diff)
    saturated = np.asarray(Image.fromarray(img[..., ::-1]).convert(
        'HSV'))[..., 1] > 60
    assert np.median(diff[saturated]) <= 2
    if factor == 0.0:
        assert np.abs(out.astype(int) - img.astype(int)).max() <= 6  # HSV rounding
    with pytest.raises(ValueError, match='hue_factor'):
        adjust_hue(img, 0.7)


def test_transform_jitters_with_negative_hue_without_error():
    jitter = ColorJitter(brightness=0.5, contrast=0.5, saturation=0.5,
                         hue=0.25)
    np.random.seed(0)
    img = _image(1)
    changed = 0
    for _ in range(20):  # about half the hue factors are negative
        out = jitter(dict(img=img.copy()))['img']
        assert out.shape == img.shape and out.dtype == np.uint8
        changed += int(not np.array_equal(out, img))
    assert changed == 20
    assert np.array_equal(ColorJitter()(dict(img=img.copy()))['img'], img)
