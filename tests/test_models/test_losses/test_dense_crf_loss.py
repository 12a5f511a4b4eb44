"""Dense CRF loss of Tang et al.: the rloss formula and its gradient."""
import pytest
import torch

from mmlabeleff.models.losses import DenseCRFLoss, dense_crf_loss
from mmlabeleff.ops import bilateral_filter


def _inputs():
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 3, 16, 20, generator=gen)
    image = torch.randint(0, 256, (2, 3, 16, 20), generator=gen).float()
    roi = torch.ones(2, 16, 20, dtype=torch.bool)
    roi[:, :, -4:] = False
    return logits, image, roi


def test_matches_rloss_formula():
    logits, image, roi = _inputs()
    ours = dense_crf_loss(logits, image, roi, 15.0, 100.0, 0.5)
    # rloss: nearest image / roi, bilinear softmax, sigma_xy * scale
    small_img = torch.nn.functional.interpolate(image, scale_factor=0.5)
    small_roi = torch.nn.functional.interpolate(roi[:, None].float(),
                                                scale_factor=0.5)
    probs = torch.nn.functional.interpolate(
        logits.softmax(1), scale_factor=0.5, mode='bilinear',
        align_corners=False) * small_roi
    expected = -(probs * bilateral_filter(probs, small_img, 50.0, 15.0)).sum() / 2
    torch.testing.assert_close(ours, expected)


def test_gradient_is_minus_two_w_s():
    """dL/dS = -(W + W^T) S / N, which is rloss's -2 W S / N for symmetric W."""
    logits, image, roi = _inputs()
    logits.requires_grad_()
    dense_crf_loss(logits, image, roi, scale_factor=1.0).backward()
    probs = logits.detach().softmax(1)
    masked = probs * roi[:, None]
    w_s = bilateral_filter(masked, image, 100.0, 15.0)
    probe = masked.clone().requires_grad_()
    (masked * bilateral_filter(probe, image, 100.0, 15.0)).sum().backward()
    wt_s = probe.grad  # W^T S through the op's backward pass
    grad_s = -(w_s + wt_s) / 2 * roi[:, None]
    expected = probs * (grad_s - (probs * grad_s).sum(1, keepdim=True))
    torch.testing.assert_close(logits.grad, expected, rtol=1e-4, atol=1e-6)
    # The lattice filter is only nearly symmetric: on this random-colour
    # image (its hardest case) W^T S and W S differ by about 10 %, so the
    # exact transpose (the op's backward) is what makes the gradient right.
    assert (wt_s - w_s).norm() / w_s.norm() < 0.2


def test_confident_smooth_prediction_lowers_the_loss():
    _, image, roi = _inputs()
    image[:] = 128.0  # one colour: the kernel is a spatial Gaussian
    uniform = torch.zeros(2, 3, 16, 20)
    confident = torch.zeros(2, 3, 16, 20)
    confident[:, 0] = 10.0
    assert dense_crf_loss(confident, image, roi) < dense_crf_loss(
        uniform, image, roi)


def test_module_recovers_rgb_and_weights():
    logits, image, roi = _inputs()
    mean, std = [127.0] * 3, [128.0] * 3
    module = DenseCRFLoss(mean=mean, std=std, loss_weight=2e-9)
    label = torch.zeros(2, 16, 20, dtype=torch.long)
    label[:, :, -4:] = 255
    normalised = (image - 127.0) / 128.0
    torch.testing.assert_close(module(logits, normalised, label),
                               2e-9 * dense_crf_loss(logits, image, roi))
    assert module.loss_name == 'loss_crf'


@pytest.mark.parametrize('kwargs', [dict(mean=[1.0], std=[1.0, 1.0, 1.0]),
                                    dict(scale_factor=0.0),
                                    dict(loss_name='crf')])
def test_bad_arguments(kwargs):
    args = dict(mean=[0.0] * 3, std=[1.0] * 3)
    args.update(kwargs)
    with pytest.raises(ValueError):
        DenseCRFLoss(**args)
