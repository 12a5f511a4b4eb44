"""dense_crf: compiled CPU (and CUDA) kernels against the PyTorch reference."""
import importlib
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mmlabeleff.ops import DenseCRF, dense_crf, dense_crf_reference
from mmlabeleff.ops.ext_loader import get_ext_function

crf_module = importlib.import_module('mmlabeleff.ops.dense_crf')
needs_ext = pytest.mark.skipif(get_ext_function('dense_crf_forward') is None,
                               reason='mmlabeleff._ext is not built')
requires_cuda = pytest.mark.skipif(not torch.cuda.is_available(),
                                   reason='needs a CUDA GPU')


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
    (dict(bilateral_srgb=0), 'bilateral_srgb must be a finite number > 0'),
    (dict(num_iters=-1), 'num_iters'),
    (dict(input_type='energy'), 'input_type'),
])
def test_bad_inputs_raise_clear_errors(bad, match):
    args = dict(unary=torch.full((1, 3, 8, 8), 1 / 3),
                images=torch.zeros(1, 3, 8, 8, dtype=torch.uint8))
    args.update(bad)
    with pytest.raises((ValueError, TypeError), match=match):
        dense_crf(**args)


@requires_cuda
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


# ---- input checks: every bad input is a ValueError naming the argument -----

def _small_args(**kwargs):
    probs, image = _inputs(1, 3, 12, 16, seed=1)
    return dict(unary=probs, images=image, **kwargs)


@pytest.mark.parametrize('fn', [dense_crf, dense_crf_reference])
@pytest.mark.parametrize('num_iters', [0, 2])
@pytest.mark.parametrize('name,value', [
    ('bilateral_srgb', 1e-7),     # used to crash the process (segfault)
    ('gaussian_sxy', 1e-50),      # rounds to 0 in float32
    ('bilateral_sxy', 1e-6),
    ('bilateral_srgb', float('nan')),
    ('gaussian_sxy', float('inf')),
    ('bilateral_sxy', 1e300),     # inf in float32
    ('bilateral_srgb', -3.0),
    ('gaussian_sxy', 0.0),
])
def test_bad_sigma_is_a_value_error_naming_it(fn, num_iters, name, value):
    with pytest.raises(ValueError, match=name):
        fn(**_small_args(num_iters=num_iters, **{name: value}))


def test_range_error_names_the_argument_and_the_limit():
    # 0.001 px on a 16 px wide image: the positions alone leave the lattice
    with pytest.raises(ValueError, match=r'gaussian_sxy too small.*32000'):
        dense_crf(**_small_args(gaussian_sxy=1e-3))
    # colours of up to 255 with srgb 0.01: the colour axes alone
    with pytest.raises(ValueError, match=r'^bilateral_srgb too small'):
        dense_crf(**_small_args(bilateral_srgb=1e-2))
    # both too small, neither alone: both named
    with pytest.raises(ValueError, match='bilateral_sxy and bilateral_srgb'):
        dense_crf(**_small_args(bilateral_sxy=2.5e-3, bilateral_srgb=0.06))


def _srgb_limit(cmax, w, h, bsx):
    """Smallest srgb the host check accepts (bisection on the Python check)."""
    from mmlabeleff.ops.permutohedral import MAX_ELEVATED, elevation_bound
    f32 = lambda v: float(torch.tensor(v, dtype=torch.float32))  # noqa: E731
    lo, hi = 1e-4, 10.0
    for _ in range(60):
        mid = (lo * hi)**0.5
        bound = elevation_bound([(w - 1) / f32(bsx), (h - 1) / f32(bsx)] +
                                [cmax / f32(mid)] * 3)
        lo, hi = (lo, mid) if bound <= MAX_ELEVATED else (mid, hi)
    return hi


@needs_ext
def test_sigmas_at_the_range_limit_run_and_agree_with_the_reference():
    # just inside the bound the lattice's coordinates are ~32000: the kernel
    # must still build it (int16 keys) and agree with the reference
    probs, image = _inputs(1, 3, 10, 12, seed=4)
    image[0, :, 0, 0] = 255
    srgb = _srgb_limit(255.0, 12, 10, 80.0) * 1.0001
    kwargs = dict(bilateral_srgb=srgb, num_iters=3)
    out = dense_crf(probs, image, **kwargs)
    torch.testing.assert_close(out, dense_crf_reference(probs, image, **kwargs),
                               atol=2e-5, rtol=1e-4)
    with pytest.raises(ValueError, match='bilateral_srgb too small'):
        dense_crf(probs, image, bilateral_srgb=srgb / 1.001)


def test_the_extension_checks_its_inputs_itself_and_never_crashes():
    # the compiled function called directly (no Python checks before it), in
    # a subprocess so that a segmentation fault fails this test instead of
    # killing pytest
    code = """
import torch
from mmlabeleff.ops import get_ext_function
fn = get_ext_function('dense_crf_forward')
if fn is None:
    print('SKIP'); raise SystemExit
unary = torch.full((1, 3, 64, 64), 1 / 3)
images = torch.randint(0, 256, (1, 3, 64, 64), dtype=torch.uint8)
eye = -torch.eye(3)
cases = [dict(bs=1e-7), dict(gs=1e-50), dict(bx=float('nan')), dict(gs=-1.0),
         dict(bs=float('inf')), dict(bx=1e-6)]
for case in cases:
    args = dict(gs=3.0, bx=80.0, bs=13.0)
    args.update(case)
    for iters in (0, 5):
        try:
            fn(unary, images, args['gs'], eye, args['bx'], args['bs'], eye, iters,
               False)
        except ValueError as err:
            name = {'gs': 'gaussian_sxy', 'bx': 'bilateral_sxy',
                    'bs': 'bilateral_srgb'}[next(iter(case))]
            assert name in str(err), str(err)
        else:
            raise AssertionError(f'no error for {case}')
bad = unary.clone()
bad[0, 0, 0, 0] = float('nan')
try:
    fn(bad, images, 3.0, eye, 80.0, 13.0, eye, 1, False)
except ValueError as err:
    assert 'unary' in str(err)
else:
    raise AssertionError('no error for a NaN unary')
out = fn(unary, images, 3.0, eye, 80.0, 13.0, eye, 2, False)
assert torch.isfinite(out).all()
print('OK')
"""
    run = subprocess.run([sys.executable, '-c', code], capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, (run.returncode, run.stderr[-3000:])
    if run.stdout.strip() == 'SKIP':
        pytest.skip('mmlabeleff._ext is not built')
    assert run.stdout.strip().endswith('OK')


@pytest.mark.parametrize('fn', [dense_crf, dense_crf_reference])
@pytest.mark.parametrize('bad,match', [
    (dict(unary=float('nan')), 'unary contains NaN'),
    (dict(unary=float('inf')), 'unary contains NaN'),
    (dict(gaussian_compat=float('nan')), 'gaussian_compat must be finite'),
    (dict(bilateral_compat=float('inf')), 'bilateral_compat must be finite'),
    (dict(bilateral_compat='matrix_inf'), 'bilateral_compat contains NaN'),
    (dict(gaussian_compat='matrix_nan'), 'gaussian_compat contains NaN'),
])
def test_nan_or_inf_inputs_are_rejected(fn, bad, match):
    args = _small_args(num_iters=2)
    (key, value), = bad.items()
    if key == 'unary':
        args['unary'] = args['unary'].clone()
        args['unary'][0, 1, 3, 4] = value
    elif isinstance(value, str):
        mat = torch.eye(3)
        mat[0, 1] = float('inf') if value.endswith('inf') else float('nan')
        args[key] = mat
    else:
        args[key] = value
    with pytest.raises(ValueError, match=match):
        fn(**args)


# ---- num_iters = 0: softmax(-U) on every path, no lattice -------------------

@pytest.mark.parametrize('input_type', ['prob', 'logits'])
def test_zero_iterations_return_the_unary_softmax(input_type):
    probs, image = _inputs(2, 21, 19, 23, seed=8)
    if input_type == 'prob':
        probs[0, 3, 2, 2] = 0.0  # clipped to 1e-5
        unary = probs
        expected = probs.clamp(1e-5, 1)
        expected = expected / expected.sum(1, keepdim=True)
    else:
        unary = torch.randn(2, 21, 19, 23) * 4
        expected = unary.softmax(1)
    for compat in (dict(), dict(gaussian_compat=0, bilateral_compat=0),
                   dict(bilateral_compat=torch.rand(21, 21))):
        kwargs = dict(num_iters=0, input_type=input_type, **compat)
        out = dense_crf(unary, image, **kwargs)
        ref = dense_crf_reference(unary, image, **kwargs)
        torch.testing.assert_close(out, expected, atol=1e-6, rtol=1e-5)
        torch.testing.assert_close(ref, expected, atol=1e-6, rtol=1e-5)


def test_zero_iterations_build_no_lattice(monkeypatch):
    # the reference path builds no lattice at all for num_iters=0
    probs, image = _inputs(1, 3, 10, 12, seed=2)

    def fail(*args, **kwargs):
        raise AssertionError('a lattice was built for num_iters=0')

    monkeypatch.setattr(crf_module, 'PermutohedralLattice', fail)
    dense_crf_reference(probs, image, num_iters=0)


# ---- CPU lattice == reference lattice (no FMA contraction) ------------------

@needs_ext
def test_cpu_matches_reference_at_high_hash_table_load():
    # 512x512 random colours, small sigmas: nearly every pixel its own lattice
    # vertex. With GCC contracting multiply-adds (before -ffp-contract=off),
    # points near simplex boundaries landed in other simplices than in the
    # reference and in CUDA: after two iterations the marginals differed by
    # 3.2e-5 here; now by 3.6e-6 (rounding, amplified by the mean field).
    probs, image = _high_load_inputs(c=5, seed=6)
    kwargs = dict(bilateral_sxy=5, bilateral_srgb=3, num_iters=2)
    out = dense_crf(probs, image, **kwargs)
    ref = dense_crf_reference(probs, image, **kwargs)
    assert (out - ref).abs().max() < 1e-5


def _high_load_inputs(n=1, c=21, size=512, seed=0):
    g = torch.Generator().manual_seed(seed)
    image = torch.randint(0, 256, (n, 3, size, size), generator=g, dtype=torch.uint8)
    probs, _ = _inputs(n, c, size, size, seed=seed)
    return probs, image


# ---- CUDA (skipped without a GPU) -------------------------------------------

@requires_cuda
def test_cuda_matches_cpu_at_high_hash_table_load():
    # 512x512 random colours, bilateral sxy 5 / srgb 3: about 1.5 million
    # lattice vertices. CPU and CUDA build the same lattice; what remains is
    # rounding (exp, summation order), which the mean field amplifies at a
    # few unstable pixels: measured 6.6e-7 after one iteration and 2.1e-5
    # after ten for the CPU kernel against the PyTorch reference; before the
    # fix 3.2e-6 and 2.9e-3 (the issue saw 4e-4 between CPU and CUDA).
    probs, image = _high_load_inputs()
    for num_iters, tol in ((1, 2e-6), (10, 1e-4)):
        kwargs = dict(bilateral_sxy=5, bilateral_srgb=3, num_iters=num_iters)
        cpu = dense_crf(probs, image, **kwargs)
        gpu = dense_crf(probs.cuda(), image.cuda(), **kwargs).cpu()
        assert (gpu - cpu).abs().max() < tol
        assert (gpu.argmax(1) == cpu.argmax(1)).float().mean() > 0.9999


@requires_cuda
def test_cuda_runs_are_bitwise_identical():
    # no atomics on values (the splat is a gather in a fixed order): five runs
    # give the same bits, whichever thread wins a hash-table slot
    probs, image = _high_load_inputs(n=2, size=256, seed=3)
    probs, image = probs.cuda(), image.cuda()
    kwargs = dict(bilateral_sxy=5, bilateral_srgb=3, num_iters=5)
    first = dense_crf(probs, image, **kwargs)
    for _ in range(4):
        assert torch.equal(dense_crf(probs, image, **kwargs), first)


def _option_kwargs(case, c):
    if case == 'potts':
        return {}
    if case == 'matrix':
        g = torch.Generator().manual_seed(1)
        return dict(gaussian_compat=torch.rand(c, c, generator=g) * 2,
                    bilateral_compat=-3 * torch.eye(c) + 1)
    if case == 'logits':
        return dict(input_type='logits')
    if case == 'gaussian_only':
        return dict(bilateral_compat=0)
    if case == 'bilateral_only':
        return dict(gaussian_compat=0.0)
    if case == 'no_kernel':
        return dict(gaussian_compat=0, bilateral_compat=0)
    return dict(gaussian_sxy=1, gaussian_compat=3, bilateral_sxy=67,
                bilateral_srgb=3, bilateral_compat=4)  # SPML preset


@requires_cuda
@pytest.mark.parametrize('num_iters', [0, 1, 5])
@pytest.mark.parametrize('case', ['potts', 'matrix', 'logits', 'gaussian_only',
                                  'bilateral_only', 'no_kernel', 'spml_preset'])
def test_cuda_matches_cpu_for_every_option(case, num_iters):
    probs, image = _inputs(2, 6, 40, 52, seed=3)
    kwargs = _option_kwargs(case, 6)
    unary = torch.randn(2, 6, 40, 52) * 2 if case == 'logits' else probs
    cpu = dense_crf(unary, image, num_iters=num_iters, **kwargs)
    gpu = dense_crf(unary.cuda(), image.cuda(), num_iters=num_iters, **kwargs)
    assert gpu.is_cuda
    torch.testing.assert_close(gpu.cpu(), cpu, atol=2e-5, rtol=1e-4)


@requires_cuda
def test_cuda_bad_sigma_is_a_value_error_and_cuda_still_works():
    probs, image = _inputs(1, 4, 30, 40, seed=5)
    probs, image = probs.cuda(), image.cuda()
    for bad in (dict(bilateral_srgb=1e-7), dict(gaussian_sxy=1e-50),
                dict(bilateral_sxy=float('nan'))):
        with pytest.raises(ValueError, match=next(iter(bad))):
            dense_crf(probs, image, **bad)
        fn = get_ext_function('dense_crf_forward', 'cuda')
        if fn is not None:  # the extension's own check, called directly
            eye = -torch.eye(4, device='cuda')
            args = dict(gaussian_sxy=3.0, bilateral_sxy=80.0, bilateral_srgb=13.0)
            args.update(bad)
            with pytest.raises(ValueError, match=next(iter(bad))):
                fn(probs, image, args['gaussian_sxy'], eye, args['bilateral_sxy'],
                   args['bilateral_srgb'], eye, 3, False)
    out = dense_crf(probs, image)
    torch.cuda.synchronize()
    assert torch.isfinite(out).all()
    torch.testing.assert_close(out.cpu(), dense_crf(probs.cpu(), image.cpu()),
                               atol=2e-5, rtol=1e-4)
