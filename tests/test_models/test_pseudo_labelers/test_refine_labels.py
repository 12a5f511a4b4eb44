"""DenseCRFRefiner: the 'irn' preset and refine_labels (IRN's label CRF)."""
import pytest
import torch

from mmlabeleff.models.pseudo_labelers import DenseCRFRefiner


def _two_regions(n=1):
    """16x16 image: left half black, right half white; clean label map."""
    image = torch.zeros(n, 3, 16, 16, dtype=torch.uint8)
    image[..., 8:] = 255
    clean = torch.zeros(n, 16, 16, dtype=torch.long)
    clean[..., 8:] = 1
    return image, clean


def _salted(clean):
    noisy = clean.clone()
    for y, x in [(2, 2), (5, 6), (11, 1), (14, 4)]:  # in the black half
        noisy[:, y, x] = 1
    for y, x in [(1, 12), (7, 9), (9, 14), (13, 10)]:  # in the white half
        noisy[:, y, x] = 0
    return noisy


def test_irn_preset():
    crf = DenseCRFRefiner(preset='irn')
    assert crf.crf_params == dict(gaussian_sxy=3.0, gaussian_compat=3.0,
                                  bilateral_sxy=50.0, bilateral_srgb=5.0,
                                  bilateral_compat=10.0, num_iters=10)
    assert DenseCRFRefiner(preset='irn', num_iters=0).num_iters == 0


@pytest.mark.parametrize('num_labels, gt_prob', [(2, 0.7), (5, 0.7), (3, 0.4)])
def test_zero_iterations_returns_the_labels(num_labels, gt_prob):
    gen = torch.Generator().manual_seed(0)
    labels = torch.randint(0, num_labels, (2, 6, 7), generator=gen)
    images = torch.randint(0, 256, (2, 3, 6, 7), generator=gen, dtype=torch.uint8)
    out = DenseCRFRefiner(preset='irn', num_iters=0).refine_labels(
        labels, images, num_labels, gt_prob=gt_prob)
    assert out.dtype == torch.long
    assert torch.equal(out, labels)


def test_crf_removes_salt_noise_in_two_regions():
    image, clean = _two_regions(n=2)
    noisy = _salted(clean)
    noisy[1] = 1 - noisy[1]  # the second image labels the halves the other way
    image[1] = 255 - image[1]
    assert (noisy != torch.stack([clean[0], 1 - clean[1]])).sum() == 16
    out = DenseCRFRefiner(preset='irn').refine_labels(noisy, image, 2)
    assert out.shape == noisy.shape and out.dtype == torch.long
    assert torch.equal(out[0], clean[0])
    assert torch.equal(out[1], 1 - clean[1])


def test_crf_label_map_with_an_unused_label():
    image, clean = _two_regions()
    noisy = _salted(clean) * 2  # labels 0 and 2 of 3
    out = DenseCRFRefiner(preset='irn').refine_labels(noisy, image, 3)
    assert torch.equal(out, clean * 2)


def test_one_label_returns_the_map():
    labels = torch.zeros(1, 4, 5, dtype=torch.int32)
    images = torch.zeros(1, 3, 4, 5, dtype=torch.uint8)
    out = DenseCRFRefiner(preset='irn').refine_labels(labels, images, 1)
    assert out.dtype == torch.long
    assert torch.equal(out, labels.long())


@pytest.mark.parametrize('labels, num_labels', [
    (torch.full((1, 4, 5), 2), 2),
    (torch.full((1, 4, 5), -1), 2),
    (torch.zeros(1, 4, 5), 2),  # float
    (torch.zeros(4, 5, dtype=torch.long), 2),  # 2-D
    (torch.zeros(1, 4, 5, dtype=torch.long), 0),
])
def test_bad_labels_raise(labels, num_labels):
    images = torch.zeros(1, 3, 4, 5, dtype=torch.uint8)
    with pytest.raises(ValueError, match='labels'):
        DenseCRFRefiner(preset='irn').refine_labels(labels, images, num_labels)


@pytest.mark.parametrize('gt_prob', [0.0, 1.0, 1.5])
def test_bad_gt_prob_raises(gt_prob):
    labels = torch.zeros(1, 4, 5, dtype=torch.long)
    images = torch.zeros(1, 3, 4, 5, dtype=torch.uint8)
    with pytest.raises(ValueError, match='gt_prob'):
        DenseCRFRefiner(preset='irn').refine_labels(labels, images, 2, gt_prob=gt_prob)
