"""LocalAggregationModule: chunked LAM equals the dense form of the paper."""
import math

import pytest
import torch

from mmlabeleff.models.layers import (
    LocalAggregationModule,
    local_aggregation,
    local_aggregation_reference,
    pixel_coordinates,
)


def public_code_lam(logits, feats, sigma, eps=1e-7):
    """BLPSeg's public code, re-expressed: softmax over i, times the spatial
    Gaussian of squared Euclidean distances, divided by the column sum + eps."""
    num, channels, height, width = logits.shape
    flat = feats.flatten(2)
    p_low = torch.softmax(flat.transpose(1, 2) @ flat, dim=1)
    pos = pixel_coordinates(height, width).to(logits.dtype)
    d2 = torch.cdist(pos, pos, p=2, compute_mode='donot_use_mm_for_euclid_dist') ** 2
    sim = p_low * torch.exp(-d2 / (2 * sigma ** 2))[None]
    sim = sim / (sim.sum(dim=1, keepdim=True) + eps)
    return (logits.flatten(2) @ sim).view(num, channels, height, width)


def _inputs(dtype=torch.float64, seed=0, size=(5, 7)):
    gen = torch.Generator().manual_seed(seed)
    logits = torch.randn(2, 3, *size, generator=gen, dtype=dtype)
    feats = 2 * torch.randn(2, 4, *size, generator=gen, dtype=dtype)
    return logits, feats


@pytest.mark.parametrize('chunk', [None, 1, 6, 35, 1000])
def test_values_and_gradients_equal_dense(chunk):
    logits, feats = _inputs()
    sigma = torch.tensor(2.0, dtype=torch.float64)
    grad = torch.randn(2, 3, 5, 7, dtype=torch.float64)
    results = []
    for fn in (lambda x, f, s: local_aggregation(x, f, s, chunk),
               local_aggregation_reference):
        x = logits.clone().requires_grad_()
        f = feats.clone().requires_grad_()
        s = sigma.clone().requires_grad_()
        out = fn(x, f, s)
        (out * grad).sum().backward()
        results.append((out.detach(), x.grad, f.grad, s.grad))
    for ours, dense in zip(*results):
        torch.testing.assert_close(ours, dense, rtol=1e-10, atol=1e-12)


def test_equals_public_code_formula_float32():
    logits, feats = _inputs(torch.float32, seed=3, size=(9, 11))
    expected = public_code_lam(logits, feats, 6.0)
    torch.testing.assert_close(local_aggregation(logits, feats, 6.0, 17),
                               expected, rtol=1e-5, atol=1e-5)


def test_gradcheck_chunked():
    logits, feats = _inputs(size=(3, 4))
    sigma = torch.tensor(1.5, dtype=torch.float64)
    args = (logits.requires_grad_(), feats.requires_grad_(),
            sigma.requires_grad_())
    assert torch.autograd.gradcheck(
        lambda x, f, s: local_aggregation(x, f, s, chunk_size=5), args)


def test_gradient_reaches_unlabelled_pixels():
    """Eq. 7: a loss on one pixel moves the logits of its neighbours."""
    logits, feats = _inputs(torch.float32)
    logits.requires_grad_()
    out = local_aggregation(logits, feats, 6.0)
    out[0, 1, 2, 3].backward()
    reached = (logits.grad[0].abs().sum(0) > 0)
    assert reached.sum() > 1
    assert reached[2, 4] and reached[1, 3]
    assert logits.grad[1].abs().sum() == 0  # other images untouched


def test_columns_are_convex_combinations():
    logits = torch.ones(1, 2, 4, 6)
    _, feats = _inputs(torch.float32, size=(4, 6))
    out = local_aggregation(logits, feats[:1], 3.0, chunk_size=5)
    torch.testing.assert_close(out, torch.ones_like(out), rtol=1e-5, atol=1e-5)


def test_spatial_term_localises():
    """With equal features, A is the normalised spatial Gaussian."""
    logits = torch.zeros(1, 1, 1, 30, dtype=torch.float64)
    logits[0, 0, 0, 0] = 1.0
    feats = torch.zeros(1, 2, 1, 30, dtype=torch.float64)
    out = local_aggregation(logits, feats, 2.0)
    gauss = torch.exp(-torch.arange(30.0) ** 2 / 8).double()
    col = torch.stack([torch.exp(-(torch.arange(30.0) - j) ** 2 / 8).sum()
                       for j in range(30)]).double()
    torch.testing.assert_close(out[0, 0, 0], gauss / col, rtol=1e-6, atol=1e-12)


def test_large_feature_gaps_stay_finite():
    logits, feats = _inputs(torch.float32)
    out = local_aggregation(logits, feats * 100, 6.0)
    assert torch.isfinite(out).all()


@pytest.mark.parametrize('bad', [dict(sigma=0.0), dict(sigma=float('nan')),
                                 dict(sigma=float('inf')), dict(sigma=1e-30),
                                 dict(sigma=1e30),
                                 dict(chunk_size=0)])
def test_bad_arguments(bad):
    logits, feats = _inputs(torch.float32)
    with pytest.raises(ValueError):
        local_aggregation(logits, feats, **bad)


def test_empty_map_is_a_clear_error():
    with pytest.raises(ValueError, match='empty'):
        local_aggregation(torch.zeros(1, 3, 0, 5), torch.zeros(1, 4, 0, 5))


def test_shape_mismatch():
    logits, feats = _inputs(torch.float32)
    with pytest.raises(ValueError, match='do not match'):
        local_aggregation(logits, feats[:, :, :4], 6.0)


def test_module_embeds_image_at_stride_4():
    lam = LocalAggregationModule(embed_dims=8, sigma=6.0)
    lam.init_weights()
    image = torch.randn(2, 3, 30, 42)  # padded to 32x44 -> 8x11
    feats = lam.embed(image, (8, 11))
    assert feats.shape == (2, 8, 8, 11)
    logits = torch.randn(2, 5, 8, 11, requires_grad=True)
    out = lam(logits, image)
    assert out.shape == logits.shape
    out.sum().backward()
    assert lam.patch_embed.projection.weight.grad is not None
    assert math.isclose(float(lam.sigma), 6.0, rel_tol=1e-6)


def test_learnable_sigma_gets_a_gradient():
    lam = LocalAggregationModule(embed_dims=4, sigma=3.0, learnable_sigma=True)
    logits = torch.randn(1, 2, 4, 4)
    image = torch.randn(1, 3, 16, 16)
    (lam(logits, image) * torch.randn(1, 2, 4, 4)).sum().backward()
    assert lam.log_sigma.grad is not None and lam.log_sigma.grad != 0
    fixed = LocalAggregationModule(embed_dims=4, sigma=3.0)
    assert 'log_sigma' not in dict(fixed.named_parameters())


@pytest.mark.parametrize('dtype', [torch.bfloat16, torch.float16])
def test_half_precision_inputs_are_computed_in_float32(dtype):
    logits, feats = _inputs(torch.float32, seed=5)
    expected = local_aggregation(logits, feats, 6.0)
    x = logits.to(dtype).requires_grad_()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out = local_aggregation(x, feats.to(dtype), 6.0)
        out.float().sum().backward()
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, local_aggregation(
        logits.to(dtype).float(), feats.to(dtype).float(), 6.0))
    assert x.grad is not None and x.grad.dtype == dtype
    assert (out - expected).abs().max() < 0.1  # only the input rounding differs


def test_float32_gradient_of_saturated_softmax_is_accurate():
    # 64-d features give self-similarities far above the rest, so each
    # column of P_low is nearly one-hot and the feature gradient is of the
    # order of eps * c_j: it must still match the float64 dense form.
    gen = torch.Generator().manual_seed(5)
    logits = torch.randn(2, 11, 9, 11, generator=gen, dtype=torch.float64)
    feats = torch.randn(2, 64, 9, 11, generator=gen, dtype=torch.float64)
    grad = torch.randn(2, 11, 9, 11, generator=gen, dtype=torch.float64)
    grads = {}
    for name, fn, dtype in (
            ('dense64', local_aggregation_reference, torch.float64),
            ('ours32', lambda x, f, s: local_aggregation(x, f, s), torch.float32),
            ('chunked32', lambda x, f, s: local_aggregation(x, f, s, 13),
             torch.float32)):
        f = feats.to(dtype).clone().requires_grad_()
        (fn(logits.to(dtype), f, 6.0) * grad.to(dtype)).sum().backward()
        grads[name] = f.grad.double()
    scale = grads['dense64'].abs().max()
    assert scale > 0
    for name in ('ours32', 'chunked32'):
        error = (grads[name] - grads['dense64']).abs().max()
        assert error < 1e-3 * scale, (name, float(error / scale))


def test_cached_spatial_term_follows_the_map_shape():
    # 5x7 and 7x5 maps have the same number of pixels but different
    # spatial terms; a fixed sigma takes the whole-map term from a cache.
    for size in ((5, 7), (7, 5), (5, 7)):
        logits, feats = _inputs(size=size)
        torch.testing.assert_close(
            local_aggregation(logits, feats, 2.0),
            local_aggregation_reference(logits, feats, 2.0),
            rtol=1e-10, atol=1e-12)
