"""Tests of mmlabeleff.ops.random_walk: compiled kernels vs the reference."""
import importlib

import pytest
import torch

from mmlabeleff.ops import (
    MAX_LOG_T,
    RandomWalk,
    get_ext_function,
    get_neighbor_offsets,
    random_walk,
    random_walk_reference,
)
from mmlabeleff.ops.random_walk import _transition_weights

# the module itself (the attribute mmlabeleff.ops.random_walk is the function)
rw_module = importlib.import_module('mmlabeleff.ops.random_walk')
requires_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a GPU')


@pytest.fixture(scope='module')
def ext_forward():
    fn = get_ext_function('random_walk_forward')
    assert fn is not None, ('mmlabeleff._ext lacks random_walk_forward; rebuild it '
                            'with `python setup.py build_ext --inplace`')
    return fn


def _inputs(n, c, h, w, radius, dtype=torch.float32, device='cpu', seed=0):
    gen = torch.Generator().manual_seed(seed)
    k = len(get_neighbor_offsets(radius))
    scores = torch.rand(n, c, h, w, generator=gen, dtype=dtype).to(device)
    affinity = torch.rand(n, k, h, w, generator=gen, dtype=dtype).to(device)
    return scores, affinity


def _dense_transition(affinity, radius, beta):
    """Dense P of one tiny image, built pixel by pixel (independent oracle)."""
    _, h, w = affinity.shape
    p = torch.zeros(h * w, h * w, dtype=torch.float64)
    for y in range(h):
        for x in range(w):
            i = y * w + x
            p[i, i] = 1.0
            for k, (dy, dx) in enumerate(get_neighbor_offsets(radius).tolist()):
                if 0 <= y + dy < h and 0 <= x + dx < w:
                    p[i, (y + dy) * w + x + dx] = float(affinity[k, y, x])**beta
    return p / p.sum(dim=1, keepdim=True)


def _rel_err(a, b):
    return ((a - b).abs().max() / b.abs().max().clamp_min(1e-30)).item()


@pytest.mark.parametrize('radius,num', [(1, 4), (2, 12), (3, 28), (5, 80)])
def test_neighbor_offsets(radius, num):
    offsets = get_neighbor_offsets(radius)
    assert offsets.dtype == torch.long and offsets.shape == (num, 2)
    assert ((offsets**2).sum(1) <= radius**2).all()
    assert not ((offsets == 0).all(1)).any()
    assert len({tuple(o) for o in offsets.tolist()}) == num
    # symmetric, and offset K-1-k is the negation of offset k
    assert torch.equal(offsets.flip(0), -offsets)
    assert torch.equal(get_neighbor_offsets(radius), offsets)  # deterministic


@pytest.mark.parametrize('radius', [0, -1, 0.5, float('nan'), True, '2'])
def test_neighbor_offsets_bad_radius(radius):
    with pytest.raises((TypeError, ValueError), match='radius'):
        get_neighbor_offsets(radius)


@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
@pytest.mark.parametrize('n,c,h,w,radius,log_t', [
    (2, 3, 7, 11, 1, 0),
    (1, 4, 13, 9, 3, 4),
    (1, 2, 5, 6, 5, 3),
    (2, 5, 20, 17, 2, 6),
    (1, 3, 9, 16, 4, 2),
    (1, 1, 3, 3, 5, 1),
])
def test_compiled_matches_reference(ext_forward, n, c, h, w, radius, log_t, dtype):
    scores, affinity = _inputs(n, c, h, w, radius, dtype)
    ref = random_walk_reference(scores, affinity, radius, 10.0, log_t)
    offsets = get_neighbor_offsets(radius)
    out = ext_forward(scores, affinity, offsets, 10.0, log_t, False)
    assert out.shape == scores.shape and out.dtype == dtype
    assert _rel_err(out, ref) < (1e-5 if dtype == torch.float32 else 1e-12)
    via_api = random_walk(scores, affinity, radius, 10.0, log_t)
    assert torch.equal(via_api, out)


@pytest.mark.parametrize('transpose', [False, True])
def test_compiled_weights_match_reference(transpose):
    weights_fn = get_ext_function('random_walk_weights')
    assert weights_fn is not None
    _, affinity = _inputs(2, 1, 8, 13, 3, torch.float64)
    out = weights_fn(affinity, get_neighbor_offsets(3), 4.0, transpose)
    ref = _transition_weights(affinity, 3, 4.0, transpose)
    torch.testing.assert_close(out, ref, rtol=1e-12, atol=1e-14)


def test_transposed_application_is_the_adjoint(ext_forward):
    scores, affinity = _inputs(2, 3, 9, 8, 2, torch.float64)
    grad = torch.randn(scores.shape, dtype=torch.float64,
                       generator=torch.Generator().manual_seed(1))
    offsets = get_neighbor_offsets(2)
    fwd = ext_forward(scores, affinity, offsets, 3.0, 2, False)
    bwd = ext_forward(grad, affinity, offsets, 3.0, 2, True)
    torch.testing.assert_close((fwd * grad).sum(), (bwd * scores).sum())


@pytest.mark.parametrize('log_t', [0, 2])
def test_matches_dense_transition_matrix(log_t):
    h, w, radius, beta = 4, 5, 2, 3.0
    scores, affinity = _inputs(1, 2, h, w, radius, torch.float64)
    dense = torch.linalg.matrix_power(_dense_transition(affinity[0], radius, beta),
                                      2**log_t)
    expected = (dense @ scores[0].reshape(2, -1).T).T.reshape(1, 2, h, w)
    for fn in (random_walk, random_walk_reference):
        torch.testing.assert_close(fn(scores, affinity, radius, beta, log_t), expected)


@pytest.mark.parametrize('fn', [random_walk, random_walk_reference])
def test_rows_sum_to_one(fn):
    _, affinity = _inputs(2, 1, 10, 7, 3)
    const = torch.full((2, 3, 10, 7), 0.25)
    torch.testing.assert_close(fn(const, affinity, 3, 10.0, 3), const)


@pytest.mark.parametrize('fn', [random_walk, random_walk_reference])
def test_log_t_zero_is_one_step(fn):
    scores, affinity = _inputs(1, 2, 6, 7, 1, torch.float64)
    weights = _transition_weights(affinity, 1, 10.0)
    padded = torch.nn.functional.pad(scores, [1] * 4)
    num = len(get_neighbor_offsets(1))
    expected = weights[:, num:num + 1] * scores
    for k, (dy, dx) in enumerate(get_neighbor_offsets(1).tolist()):
        expected = expected + weights[:, k:k + 1] * padded[:, :, 1 + dy:7 + dy,
                                                            1 + dx:8 + dx]
    torch.testing.assert_close(fn(scores, affinity, 1, 10.0, 0), expected)


@pytest.mark.parametrize('fn', [random_walk, random_walk_reference])
def test_zero_affinity_keeps_scores(fn):
    scores, affinity = _inputs(1, 3, 8, 9, 2)
    assert torch.equal(fn(scores, torch.zeros_like(affinity), 2, 10.0, 4), scores)


def test_large_image_radius_5_is_sparse():
    # 65536 pixels: a dense transition matrix would take 16 GiB.
    scores, affinity = _inputs(1, 2, 256, 256, 5)
    out = random_walk(scores, affinity, 5, 10.0, 1)
    assert out.shape == scores.shape and torch.isfinite(out).all()
    assert out.min() >= 0 and out.max() <= 1


@pytest.mark.parametrize('fn', [random_walk, random_walk_reference])
def test_gradcheck_wrt_scores(fn):
    scores, affinity = _inputs(1, 2, 5, 6, 2, torch.float64)
    scores.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda s: fn(s, affinity, 2, 2.0, 2), (scores, ))


def test_affinity_gets_no_gradient():
    scores, affinity = _inputs(1, 2, 5, 6, 1, torch.float64)
    scores.requires_grad_(True)
    affinity.requires_grad_(True)
    random_walk(scores, affinity, 1, 2.0, 1).square().sum().backward()
    assert scores.grad is not None and affinity.grad is None


def test_fallback_without_extension(monkeypatch):
    scores, affinity = _inputs(1, 3, 7, 9, 2, torch.float64)
    compiled = random_walk(scores.requires_grad_(True), affinity, 2, 5.0, 3)
    (grad_compiled, ) = torch.autograd.grad(compiled.sin().sum(), scores)
    monkeypatch.setattr(rw_module, 'get_ext_function', lambda *args, **kwargs: None)
    fallback = random_walk(scores, affinity, 2, 5.0, 3)
    (grad_fallback, ) = torch.autograd.grad(fallback.sin().sum(), scores)
    ref = random_walk_reference(scores, affinity, 2, 5.0, 3)
    (grad_ref, ) = torch.autograd.grad(ref.sin().sum(), scores)
    torch.testing.assert_close(fallback, ref)
    torch.testing.assert_close(grad_fallback, grad_ref)
    torch.testing.assert_close(compiled, ref)
    torch.testing.assert_close(grad_compiled, grad_ref)


def test_module():
    scores, affinity = _inputs(1, 2, 6, 5, 2)
    module = RandomWalk(radius=2, beta=3.0, log_t=2)
    assert 'radius=2' in repr(module)
    torch.testing.assert_close(module(scores, affinity),
                               random_walk(scores, affinity, 2, 3.0, 2))
    with pytest.raises(ValueError, match='beta'):
        RandomWalk(radius=2, beta=0.0)
    with pytest.raises(ValueError, match='log_t'):
        RandomWalk(radius=2, log_t=-1)


def _bad_cases():
    s, a = _inputs(1, 2, 4, 5, 1)
    return [
        ((s[0], a, 1), ValueError, 'scores must be a 4-D'),
        ((s, a[0], 1), ValueError, 'affinity must be a 4-D'),
        ((s, a, 2), ValueError, 'K=12 channels for radius 2'),
        ((s, a[:, :, :3], 1), ValueError, 'agree in N, H and W'),
        ((s, torch.cat([a, a]), 1), ValueError, 'agree in N, H and W'),
        ((s.long(), a, 1), TypeError, 'scores must be float32 or float64'),
        ((s, a.half(), 1), TypeError, 'affinity must be float32 or float64'),
        ((s, a.double(), 1), TypeError, 'same dtype'),
        ((s, a, 0), ValueError, 'radius must be a finite number >= 1'),
        ((s.numpy(), a, 1), TypeError, 'scores must be a torch.Tensor'),
    ]


@pytest.mark.parametrize('args,exc,match', _bad_cases())
def test_bad_inputs(args, exc, match):
    with pytest.raises(exc, match=match):
        random_walk(*args)
    with pytest.raises(exc, match=match):
        random_walk_reference(*args)


@pytest.mark.parametrize('kwargs,exc,match', [
    (dict(beta=0.0), ValueError, 'beta must be'),
    (dict(beta=-1.0), ValueError, 'beta must be'),
    (dict(beta=float('nan')), ValueError, 'beta must be'),
    (dict(beta=float('inf')), ValueError, 'beta must be'),
    (dict(log_t=-1), ValueError, 'log_t must be'),
    (dict(log_t=2.0), TypeError, 'log_t must be an int'),
    (dict(log_t=MAX_LOG_T + 1), ValueError, r'log_t must be in \[0, 16\]'),
    (dict(log_t=40), ValueError, r'log_t must be in \[0, 16\]'),
])
def test_bad_beta_and_log_t(kwargs, exc, match):
    s, a = _inputs(1, 2, 4, 5, 1)
    with pytest.raises(exc, match=match):
        random_walk(s, a, 1, **kwargs)
    with pytest.raises(exc, match=match):
        random_walk_reference(s, a, 1, **kwargs)
    if 'log_t' in kwargs and exc is ValueError:
        with pytest.raises(ValueError, match='log_t'):
            RandomWalk(radius=1, **kwargs)


def test_log_t_bound_is_inclusive_and_documented():
    assert MAX_LOG_T == 16
    s, a = _inputs(1, 1, 2, 2, 1)
    # 2**16 steps on 4 pixels returns (quickly); the bound itself is allowed
    out = random_walk(s, a, 1, 10.0, MAX_LOG_T)
    assert torch.isfinite(out).all()
    assert RandomWalk(radius=1, log_t=MAX_LOG_T).log_t == MAX_LOG_T


def test_extension_rejects_unbounded_log_t(ext_forward):
    # a direct call of the compiled function, bypassing the Python checks,
    # raises at once instead of running 2**40 steps
    s, a = _inputs(1, 1, 3, 3, 1)
    for log_t in (MAX_LOG_T + 1, 40):
        with pytest.raises(ValueError, match='log_t must be in'):
            ext_forward(s, a, get_neighbor_offsets(1), 10.0, log_t, False)
    with pytest.raises(ValueError, match='beta'):
        ext_forward(s, a, get_neighbor_offsets(1), float('nan'), 1, False)


@pytest.mark.parametrize('name', ['scores', 'affinity'])
@pytest.mark.parametrize('bad', [float('nan'), float('inf'), -float('inf')])
def test_nan_or_inf_inputs_are_rejected(name, bad):
    s, a = _inputs(1, 2, 4, 5, 1)
    (s if name == 'scores' else a)[0, 0, 1, 2] = bad
    for fn in (random_walk, random_walk_reference):
        with pytest.raises(ValueError, match=f'{name} contains NaN or infinite'):
            fn(s, a, 1)


def test_different_devices():
    s, a = _inputs(1, 2, 4, 5, 1)
    with pytest.raises(ValueError, match='same device'):
        random_walk(s, a.to('meta'), 1)


@requires_cuda
@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
@pytest.mark.parametrize('radius,log_t', [(1, 0), (3, 3), (5, 6)])
def test_cuda_matches_cpu(radius, log_t, dtype):
    scores, affinity = _inputs(2, 3, 23, 31, radius, dtype)
    cpu = random_walk(scores, affinity, radius, 10.0, log_t)
    gpu = random_walk(scores.cuda(), affinity.cuda(), radius, 10.0, log_t)
    assert gpu.is_cuda
    assert _rel_err(gpu.cpu(), cpu) < (1e-5 if dtype == torch.float32 else 1e-12)
    ref = random_walk_reference(scores.cuda(), affinity.cuda(), radius, 10.0, log_t)
    assert _rel_err(gpu, ref) < (1e-5 if dtype == torch.float32 else 1e-12)


@requires_cuda
def test_cuda_backward_matches_cpu():
    scores, affinity = _inputs(1, 2, 9, 11, 2, torch.float64)
    grads = []
    for device in ('cpu', 'cuda'):
        s = scores.to(device).requires_grad_(True)
        random_walk(s, affinity.to(device), 2, 4.0, 3).sin().sum().backward()
        grads.append(s.grad.cpu())
    torch.testing.assert_close(grads[1], grads[0])
    s = scores.cuda().requires_grad_(True)
    assert torch.autograd.gradcheck(
        lambda x: random_walk(x, affinity.cuda(), 2, 2.0, 1), (s, ))
