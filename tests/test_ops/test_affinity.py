"""Tests of mmlabeleff.ops.affinity (feature and boundary affinities)."""
import math

import pytest
import torch

from mmlabeleff.ops import (
    affinity_from_boundary,
    affinity_from_features,
    get_neighbor_offsets,
    random_walk,
)
from mmlabeleff.ops.affinity import _line_pixels


def _mirrored(aff, radius):
    """b[:, k, p] = aff[:, K-1-k, p + o_k] (0 outside): equals aff if symmetric."""
    offsets = get_neighbor_offsets(radius).tolist()
    h, w = aff.shape[-2:]
    out = torch.zeros_like(aff)
    for k, (dy, dx) in enumerate(offsets):
        src = aff[:, len(offsets) - 1 - k]
        out[:, k, max(0, -dy):min(h, h - dy), max(0, -dx):min(w, w - dx)] = \
            src[:, max(0, dy):min(h, h + dy), max(0, dx):min(w, w + dx)]
    return out


def _outside(radius, h, w):
    """(K, H, W) bool: the neighbour at offset k lies outside the image."""
    offsets = get_neighbor_offsets(radius)
    ys = torch.arange(h).view(1, h, 1) + offsets[:, 0].view(-1, 1, 1)
    xs = torch.arange(w).view(1, 1, w) + offsets[:, 1].view(-1, 1, 1)
    return (ys < 0) | (ys >= h) | (xs < 0) | (xs >= w)


def _features_and_boundary(seed=0):
    gen = torch.Generator().manual_seed(seed)
    feats = torch.randn(2, 6, 9, 13, generator=gen, dtype=torch.float64)
    boundary = torch.rand(2, 1, 9, 13, generator=gen, dtype=torch.float64)
    return feats, boundary


@pytest.mark.parametrize('radius', [1, 3, 5])
@pytest.mark.parametrize('kind', ['l1', 'cosine', 'boundary'])
def test_symmetric_in_range_zero_outside(kind, radius):
    feats, boundary = _features_and_boundary()
    if kind == 'boundary':
        aff = affinity_from_boundary(boundary, radius)
    else:
        aff = affinity_from_features(feats, radius, mode=kind)
    assert aff.shape == (2, len(get_neighbor_offsets(radius)), 9, 13)
    assert aff.dtype == torch.float64
    assert aff.min() >= 0 and aff.max() <= 1
    assert (aff[:, _outside(radius, 9, 13)] == 0).all()
    torch.testing.assert_close(aff, _mirrored(aff, radius), rtol=0, atol=1e-12)


def test_boundary_3d_input_and_float32():
    _, boundary = _features_and_boundary()
    aff4 = affinity_from_boundary(boundary.float(), 2)
    aff3 = affinity_from_boundary(boundary[:, 0].float(), 2)
    assert aff4.dtype == torch.float32 and torch.equal(aff3, aff4)


def test_line_pixels():
    assert _line_pixels(0, 2) == ((0, 0), (0, 1), (0, 2))
    assert _line_pixels(2, 2) == ((0, 0), (1, 1), (2, 2))
    # passes through the edge shared by (0, 1) and (1, 1): both are taken
    assert _line_pixels(1, 2) == ((0, 0), (0, 1), (1, 1), (1, 2))
    assert _line_pixels(-3, 1) == ((-3, 1), (-2, 1), (-1, 0), (0, 0))
    for dy, dx in get_neighbor_offsets(5).tolist():
        path = set(_line_pixels(dy, dx))
        assert {(0, 0), (dy, dx)} <= path
        assert path == {(dy + py, dx + px) for py, px in _line_pixels(-dy, -dx)}


def test_boundary_wall_blocks_affinity():
    h, w, wall, radius = 6, 8, 3, 3
    boundary = torch.zeros(1, 1, h, w)
    boundary[..., wall] = 1.0
    aff = affinity_from_boundary(boundary, radius)
    offsets = get_neighbor_offsets(radius).tolist()
    for k, (dy, dx) in enumerate(offsets):
        for y in range(h):
            for x in range(w):
                if not (0 <= y + dy < h and 0 <= x + dx < w):
                    assert aff[0, k, y, x] == 0
                elif min(x, x + dx) <= wall <= max(x, x + dx):
                    assert aff[0, k, y, x] == 0, (k, y, x)  # crosses or touches
                else:
                    assert aff[0, k, y, x] == 1, (k, y, x)
    # no boundary: affinity 1 to every neighbour inside the image
    free = affinity_from_boundary(torch.zeros(1, h, w), radius)
    assert torch.equal(free, (~_outside(radius, h, w)).float().unsqueeze(0))
    # a random walk does not leak scores through the wall
    scores = torch.zeros(1, 1, h, w)
    scores[..., :2] = 1.0
    out = random_walk(scores, aff, radius, beta=10.0, log_t=5)
    assert (out[..., wall:] == 0).all() and (out[..., :wall] > 0).all()


def test_boundary_rule_takes_the_max_on_the_segment():
    boundary = torch.zeros(1, 1, 3, 5)
    boundary[0, 0, 1, 2] = 0.3
    boundary[0, 0, 1, 1] = 0.1
    aff = affinity_from_boundary(boundary, 2)
    k = get_neighbor_offsets(2).tolist().index([0, 2])
    assert aff[0, k, 1, 0].item() == pytest.approx(0.7)  # (1,0)->(1,2): max 0.3
    assert aff[0, k, 1, 2].item() == pytest.approx(0.7)  # starts on 0.3
    k1 = get_neighbor_offsets(2).tolist().index([0, 1])
    assert aff[0, k1, 1, 0].item() == pytest.approx(0.9)  # (1,0)->(1,1): 0.1
    assert aff[0, k1, 0, 0].item() == 1.0


def test_feature_modes_hand_computed():
    # two pixels side by side: (1, 0) and (0, 1); then (1, 1) and (2, 2)
    orth = torch.tensor([[1.0, 0.0], [0.0, 1.0]]).T.reshape(1, 2, 1, 2)
    par = torch.tensor([[1.0, 2.0], [1.0, 2.0]]).reshape(1, 2, 1, 2)
    k = get_neighbor_offsets(1).tolist().index([0, 1])
    right = lambda a: a[0, k, 0, 0].item()  # noqa: E731
    assert right(affinity_from_features(orth, 1, 'l1')) == pytest.approx(math.exp(-1))
    assert right(affinity_from_features(orth, 1, 'cosine')) == \
        pytest.approx(math.exp(-5))
    assert right(affinity_from_features(orth, 1, 'cosine', scale=2)) == \
        pytest.approx(math.exp(-2))
    assert right(affinity_from_features(par, 1, 'cosine')) == pytest.approx(1.0)
    assert right(affinity_from_features(par, 1, 'l1')) == pytest.approx(math.exp(-1))
    assert right(affinity_from_features(par, 1, 'l1', scale=3)) == \
        pytest.approx(math.exp(-3))
    # mean (not sum) over channels
    three = torch.tensor([[0.0, 3.0], [0.0, 0.0], [0.0, 0.0]]).reshape(1, 3, 1, 2)
    assert right(affinity_from_features(three, 1, 'l1')) == pytest.approx(math.exp(-1))


def test_feature_affinity_is_differentiable():
    feats = torch.randn(1, 3, 4, 5, dtype=torch.float64, requires_grad=True)
    for mode in ('l1', 'cosine'):
        assert torch.autograd.gradcheck(
            lambda f: affinity_from_features(f, 1, mode), (feats, ))


def test_large_image_is_sparse():
    feats = torch.randn(1, 8, 256, 256)
    aff = affinity_from_features(feats, 5, 'cosine')
    assert aff.shape == (1, 80, 256, 256)


@pytest.mark.parametrize('call,exc,match', [
    (lambda: affinity_from_features(torch.zeros(2, 3, 4), 1), ValueError, '4-D'),
    (lambda: affinity_from_features(torch.zeros(1, 2, 3, 4, dtype=torch.long), 1),
     TypeError, 'floating'),
    (lambda: affinity_from_features(torch.zeros(1, 2, 3, 4), 1, 'l2'), ValueError,
     'mode'),
    (lambda: affinity_from_features(torch.zeros(1, 2, 3, 4), 1, scale=0), ValueError,
     'scale'),
    (lambda: affinity_from_features(torch.zeros(1, 2, 3, 4), 0), ValueError, 'radius'),
    (lambda: affinity_from_boundary(torch.zeros(1, 2, 3, 4), 1), ValueError,
     r'\(N, 1, H, W\)'),
    (lambda: affinity_from_boundary(torch.zeros(3, 4), 1), ValueError, 'boundary'),
    (lambda: affinity_from_boundary(torch.zeros(1, 3, 4, dtype=torch.uint8), 1),
     TypeError, 'floating'),
    (lambda: affinity_from_features(torch.zeros(1, 2, 3, 4), 1, scale=float('nan')),
     ValueError, 'scale'),
    (lambda: affinity_from_features(torch.zeros(1, 2, 3, 4), 1, scale=float('inf')),
     ValueError, 'scale'),
    (lambda: affinity_from_features(torch.zeros(1, 2, 3, 4), 1, 'cosine',
                                    eps=float('nan')), ValueError, 'eps'),
    (lambda: affinity_from_features(
        torch.tensor([[[[0.0, float('nan')]]]]), 1), ValueError,
     'feats contains NaN or infinite'),
    (lambda: affinity_from_features(
        torch.tensor([[[[0.0, float('inf')]]]]), 1, 'cosine'), ValueError,
     'feats contains NaN or infinite'),
    (lambda: affinity_from_boundary(torch.tensor([[[0.0, float('nan')]]]), 1),
     ValueError, 'boundary contains NaN or infinite'),
    (lambda: affinity_from_boundary(torch.tensor([[[[-float('inf'), 0.0]]]]), 1),
     ValueError, 'boundary contains NaN or infinite'),
])
def test_bad_inputs(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
