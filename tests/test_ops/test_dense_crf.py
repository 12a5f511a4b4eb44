"""dense_crf: compiled CPU (and CUDA) kernels against the PyTorch reference."""
import importlib

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mmlabeleff.ops import DenseCRF, dense_crf, dense_crf_reference
from mmlabeleff.ops.ext_loader import get_ext_function

crf_module = importlib.import_module('mmlabeleff.ops.dense_crf')
needs_ext = pytest.mark.skipif(get_ext_function('dense_crf_forward') is None,
                               reason='mmlabeleff._ext is not built')


def _inputs(n, c, h, w, seed=0, levels=256):
    """Smooth random class probabilities and a blocky random colour image."""
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(n, c, h // 4 + 2, w // 4 + 2, generator=g) * 3
    probs = F.interpolate(logits, size=(h, w), mode='bilinear').softmax(1)
    blocks = torch.randint(0, levels, (n, 3, h // 3 + 1, w // 3 + 1), generator=g)
    image = F.interpolate(blocks.float(), size=(h, w), mode='nearest')
    image = (image + torch.randint(0, 8, image.shape, generator=g)).clamp(0, 255)
    return probs, image.to(torch.uint8)


@needs_ext
@pytest.mark.parametrize('n,c,h,w', [(1, 21, 37, 53), (2, 3, 20, 20), (1, 1, 9, 4),
                                     (3, 8, 16, 24), (1, 70, 12, 15), (1, 5, 1, 1)])
def test_cpu_kernel_matches_reference(n, c, h, w):
    probs, image = _inputs(n, c, h, w, seed=c)
    kwargs = dict(gaussian_sxy=3, gaussian_compat=3, bilateral_sxy=20,
                  bilateral_srgb=13, bilateral_compat=10, num_iters=5)
    out = dense_crf(probs, image, **kwargs)
    ref = dense_crf_reference(probs, image, **kwargs)
    assert out.shape == (n, c, h, w) and out.dtype == torch.float32
    torch.testing.assert_close(out, ref, atol=2e-5, rtol=1e-4)


@needs_ext
@pytest.mark.parametrize('case', ['logits', 'matrix', 'gaussian_only',
                                  'bilateral_only', 'spml_preset'])
def test_cpu_kernel_matches_reference_for_every_option(case):
    probs, image = _inputs(2, 6, 24, 31, seed=3)
    kwargs = dict(num_iters=4)
    unary = probs
    if case == 'logits':
        unary = torch.randn(2, 6, 24, 31) * 2
        kwargs['input_type'] = 'logits'
    elif case == 'matrix':
        mu = torch.rand(6, 6, generator=torch.Generator().manual_seed(1)) * 2
        kwargs.update(gaussian_compat=mu, bilateral_compat=-3 * torch.eye(6) + 1)
    elif case == 'gaussian_only':
        kwargs.update(bilateral_compat=0)
    elif case == 'bilateral_only':
        kwargs.update(gaussian_compat=0.0)
    else:  # SPML's post-processing (method notes): 10 iterations, sxy 1 / 67, srgb 3
        kwargs.update(gaussian_sxy=1, gaussian_compat=3, bilateral_sxy=67,
                      bilateral_srgb=3, bilateral_compat=4, num_iters=10)
    out = dense_crf(unary, image, **kwargs)
    ref = dense_crf_reference(unary, image, **kwargs)
    torch.testing.assert_close(out, ref, atol=2e-5, rtol=1e-4)


@needs_ext
def test_threads_do_not_change_the_result():
    probs, image = _inputs(1, 21, 64, 80, seed=5)
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = dense_crf(probs, image)
        torch.set_num_threads(2)
        two = dense_crf(probs, image)
        batched = dense_crf(probs.repeat(3, 1, 1, 1), image.repeat(3, 1, 1, 1))
    finally:
        torch.set_num_threads(before)
    torch.testing.assert_close(one, two, atol=5e-5, rtol=1e-4)
    for i in range(3):
        torch.testing.assert_close(batched[i:i + 1], one, atol=5e-5, rtol=1e-4)


@pytest.mark.parametrize('fn', [dense_crf, dense_crf_reference])
def test_known_properties(fn):
    probs, image = _inputs(2, 4, 16, 20, seed=7)
    # marginals sum to one and are probabilities
    out = fn(probs, image, num_iters=3)
    torch.testing.assert_close(out.sum(1), torch.ones(2, 16, 20))
    assert (out >= 0).all()
    # zero compatibility leaves the (clipped, renormalised) unary unchanged
    uniform = torch.full_like(image, 128)
    same = fn(probs, uniform, gaussian_compat=0, bilateral_compat=0, num_iters=5)
    clipped = probs.clamp(1e-5, 1)
    torch.testing.assert_close(same, clipped / clipped.sum(1, keepdim=True))
    # no iterations: softmax(-U)
    zero = fn(probs, image, num_iters=0)
    torch.testing.assert_close(zero, clipped / clipped.sum(1, keepdim=True))
    # on a uniform image with a strong Potts weight the CRF smooths labels:
    # a single off pixel in a constant field is voted away
    field = torch.full((1, 2, 15, 15), 0.2)
    field[:, 0] = 0.8
    field[0, :, 7, 7] = torch.tensor([0.3, 0.7])
    flat = torch.full((1, 3, 15, 15), 100, dtype=torch.uint8)
    smoothed = fn(field, flat, gaussian_compat=5, bilateral_compat=5, num_iters=5)
    assert smoothed.argmax(1).eq(0).all()


def test_an_edge_in_the_image_stops_smoothing():
    # left half dark, right half bright; class 1 is weakly preferred on the
    # right: the appearance kernel keeps it there instead of smoothing it away
    image = torch.zeros(1, 3, 12, 24, dtype=torch.uint8)
    image[..., 12:] = 250
    probs = torch.full((1, 2, 12, 24), 0.5)
    probs[:, 0, :, :12] = 0.9
    probs[:, 1, :, :12] = 0.1
    probs[:, 0, :, 12:] = 0.45
    probs[:, 1, :, 12:] = 0.55
    out = dense_crf(probs, image, gaussian_compat=0, bilateral_sxy=30,
                    bilateral_srgb=10, bilateral_compat=10, num_iters=10)
    labels = out.argmax(1)[0]
    assert labels[:, :12].eq(0).all() and labels[:, 12:].eq(1).all()


@needs_ext
def test_matches_pydensecrf():
    dcrf = pytest.importorskip('pydensecrf.densecrf')
    probs, image = _inputs(1, 21, 60, 80, seed=11)
    prob = probs[0].numpy()
    rgb = np.ascontiguousarray(image[0].permute(1, 2, 0).numpy())
    model = dcrf.DenseCRF2D(80, 60, 21)
    model.setUnaryEnergy(np.ascontiguousarray(
        -np.log(np.clip(prob, 1e-5, 1.0)).reshape(21, -1)))
    model.addPairwiseGaussian(sxy=3, compat=3)
    model.addPairwiseBilateral(sxy=80, srgb=13, rgbim=rgb, compat=10)
    expected = np.array(model.inference(10)).reshape(21, 60, 80)
    out = dense_crf(probs, image)[0].numpy()
    assert np.abs(out - expected).max() < 1e-4
    assert (out.argmax(0) == expected.argmax(0)).mean() == 1.0


def test_fallback_without_extension_uses_reference(monkeypatch):
    probs, image = _inputs(1, 3, 10, 12, seed=2)
    monkeypatch.setattr(crf_module, 'get_ext_function', lambda *args, **kwargs: None)
    out = dense_crf(probs, image, num_iters=3)
    torch.testing.assert_close(out, dense_crf_reference(probs, image, num_iters=3))


def test_module_and_no_gradient():
    probs, image = _inputs(1, 3, 10, 12, seed=4)
    crf = DenseCRF(gaussian_sxy=1, bilateral_sxy=67, bilateral_srgb=3,
                   bilateral_compat=4, num_iters=2)
    assert 'bilateral_srgb=3' in repr(crf)
    torch.testing.assert_close(
        crf(probs, image),
        dense_crf(probs, image, gaussian_sxy=1, bilateral_sxy=67, bilateral_srgb=3,
                  bilateral_compat=4, num_iters=2))
    leaf = probs.clone().requires_grad_(True)
    assert not dense_crf(leaf, image, num_iters=1).requires_grad


@pytest.mark.parametrize('bad,match', [
    (dict(unary=torch.zeros(3, 8, 8)), 'unary must be'),
    (dict(unary=torch.zeros(1, 3, 8, 8, dtype=torch.long)), 'floating'),
    (dict(images=torch.zeros(1, 3, 8, 8)), 'uint8'),
    (dict(images=torch.zeros(1, 4, 8, 8, dtype=torch.uint8)), r'\(N, 3, H, W\)'),
    (dict(images=torch.zeros(1, 3, 8, 9, dtype=torch.uint8)), 'differ'),
    (dict(images=torch.zeros(1, 3, 8, 8, dtype=torch.uint8, device='meta')),
     'different devices|is on'),
    (dict(gaussian_compat=torch.ones(2, 2)), r'\(3, 3\) matrix'),
    (dict(bilateral_compat='strong'), 'number or a'),
    (dict(bilateral_srgb=0), 'bilateral_srgb must be positive'),
    (dict(num_iters=-1), 'num_iters'),
    (dict(input_type='energy'), 'input_type'),
])
def test_bad_inputs_raise_clear_errors(bad, match):
    args = dict(unary=torch.full((1, 3, 8, 8), 1 / 3),
                images=torch.zeros(1, 3, 8, 8, dtype=torch.uint8))
    args.update(bad)
    with pytest.raises((ValueError, TypeError), match=match):
        dense_crf(**args)


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA GPU')
@pytest.mark.parametrize('case', ['potts', 'matrix', 'logits', 'batch'])
def test_cuda_matches_cpu(case):
    n = 3 if case == 'batch' else 1
    probs, image = _inputs(n, 21, 45, 61, seed=9)
    kwargs = dict(num_iters=10)
    unary = probs
    if case == 'matrix':
        kwargs.update(bilateral_compat=torch.rand(21, 21) * 3)
    elif case == 'logits':
        unary = torch.randn(n, 21, 45, 61)
        kwargs['input_type'] = 'logits'
    cpu = dense_crf(unary, image, **kwargs)
    gpu = dense_crf(unary.cuda(), image.cuda(), **kwargs)
    assert gpu.is_cuda
    torch.testing.assert_close(gpu.cpu(), cpu, atol=1e-4, rtol=1e-3)
    assert (gpu.argmax(1).cpu() == cpu.argmax(1)).float().mean() > 0.999
