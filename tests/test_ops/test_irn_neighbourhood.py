"""IRN neighbourhoods: float radii, IRN's path pixels and boundary affinities."""
import math

import pytest
import torch

from mmlabeleff.ops import (
    affinity_from_boundary,
    get_neighbor_offsets,
    random_walk,
    random_walk_reference,
)
from mmlabeleff.ops.affinity import _irn_path_pixels


def _brute_offsets(radius):
    r = int(math.floor(radius))
    return [(dy, dx) for dy in range(-r, r + 1) for dx in range(-r, r + 1)
            if dy * dy + dx * dx <= radius * radius and (dy, dx) != (0, 0)]


def _irn_search_dirs(max_radius):
    """IRN's search directions (``get_search_paths_dst`` of jiwoon-ahn/irn):
    offsets strictly closer than ``max_radius``, one per unordered pair."""
    dirs = [(0, x) for x in range(1, max_radius)]
    for y in range(1, max_radius):
        for x in range(-max_radius + 1, max_radius):
            if x * x + y * y < max_radius**2:
                dirs.append((y, x))
    return dirs


def _brute_path(dy, dx):
    length_sq = dy * dy + dx * dx
    return {(y, x)
            for y in range(min(0, dy), max(0, dy) + 1)
            for x in range(min(0, dx), max(0, dx) + 1)
            if (dy * x - dx * y)**2 < length_sq}


@pytest.mark.parametrize('radius, count', [(1, 4), (1.5, 8), (2.9, 24), (4.9, 68),
                                           (5, 80), (9.95, 304)])
def test_offset_counts(radius, count):
    offsets = get_neighbor_offsets(radius)
    assert offsets.dtype == torch.long
    assert offsets.shape == (count, 2)


@pytest.mark.parametrize('radius', [1.5, 2.9, 4.9, 5, 9.95])
def test_offsets_match_rule_row_major_and_antisymmetric(radius):
    offsets = get_neighbor_offsets(radius)
    assert [tuple(o) for o in offsets.tolist()] == _brute_offsets(radius)
    assert (0, 0) not in [tuple(o) for o in offsets.tolist()]
    # row-major: (dy, dx) lexicographically increasing
    keys = [dy * 1000 + dx for dy, dx in offsets.tolist()]
    assert keys == sorted(keys)
    assert torch.equal(offsets.flip(0), -offsets)


@pytest.mark.parametrize('radius, irn_radius', [(4.9, 5), (9.95, 10)])
def test_last_half_are_irn_search_directions(radius, irn_radius):
    offsets = get_neighbor_offsets(radius)
    half = offsets[len(offsets) // 2:]
    assert [tuple(o) for o in half.tolist()] == _irn_search_dirs(irn_radius)


def test_float_radius_between_integers_adds_no_offsets():
    assert torch.equal(get_neighbor_offsets(2.8), get_neighbor_offsets(2.3))
    assert len(get_neighbor_offsets(2.9)) > len(get_neighbor_offsets(2.8))


@pytest.mark.parametrize('radius', [0, 0.5, float('nan'), float('inf'), -2, True, '2',
                                    None])
def test_bad_radius_raises(radius):
    with pytest.raises((TypeError, ValueError), match='radius'):
        get_neighbor_offsets(radius)


@pytest.mark.parametrize('offset', [(0, 1), (1, 0), (1, 1), (2, 1), (1, -3), (3, 2),
                                    (0, 5), (4, -4), (-2, 3), (7, 3)])
def test_irn_path_pixels_rule_and_symmetry(offset):
    dy, dx = offset
    path = _irn_path_pixels(dy, dx)
    assert list(path) == sorted(path)
    assert len(set(path)) == len(path)
    assert set(path) == _brute_path(dy, dx)
    assert (0, 0) in path and (dy, dx) in path
    # the reverse offset walks the negated pixels
    assert set(_irn_path_pixels(-dy, -dx)) == {(-y, -x) for y, x in path}
    # symmetric about the midpoint of the segment
    assert {(dy - y, dx - x) for y, x in path} == set(path)


def test_irn_path_pixels_examples():
    # straight offsets: the pixels on the segment only
    assert _irn_path_pixels(0, 3) == ((0, 0), (0, 1), (0, 2), (0, 3))
    # diagonal: also the pixels next to the diagonal (distance 1/sqrt(2))
    assert _irn_path_pixels(2, 2) == ((0, 0), (0, 1), (1, 0), (1, 1), (1, 2), (2, 1),
                                      (2, 2))
    # a knight's move: the whole 2x3 box (every pixel within 1 of the line)
    assert len(_irn_path_pixels(1, 2)) == 6
    # (2, 3): the box without the pixels at least one pixel from the line
    assert _irn_path_pixels(2, 3) == ((0, 0), (0, 1), (1, 0), (1, 1), (1, 2), (1, 3),
                                      (2, 2), (2, 3))
    assert _irn_path_pixels(0, 0) == ((0, 0), )


def _brute_affinity(boundary, radius):
    """(K, H, W) IRN affinities of one (H, W) boundary map by loops."""
    offsets = get_neighbor_offsets(radius).tolist()
    h, w = boundary.shape
    out = torch.zeros(len(offsets), h, w, dtype=boundary.dtype)
    for k, (dy, dx) in enumerate(offsets):
        path = _brute_path(dy, dx)
        for y in range(h):
            for x in range(w):
                if 0 <= y + dy < h and 0 <= x + dx < w:
                    out[k, y, x] = 1 - max(boundary[y + py, x + px] for py, px in path)
    return out


def _boundary(seed=0):
    gen = torch.Generator().manual_seed(seed)
    return torch.rand(1, 1, 7, 8, generator=gen, dtype=torch.float64)


def test_affinity_from_boundary_irn_matches_loops():
    boundary = _boundary()
    aff = affinity_from_boundary(boundary, 2.9, path='irn')
    assert aff.shape == (1, 24, 7, 8)
    assert aff.dtype == torch.float64
    expected = _brute_affinity(boundary[0, 0], 2.9)
    torch.testing.assert_close(aff[0], expected, rtol=0, atol=1e-12)


def test_irn_path_differs_from_nearest_path():
    # a single strong boundary pixel off the nearest-pixel line of (1, 2)
    boundary = torch.zeros(1, 1, 5, 6, dtype=torch.float64)
    # (0, 2) of the path of (1, 2) from (2, 2): on IRN's path only
    boundary[0, 0, 2, 4] = 1.0
    offsets = [tuple(o) for o in get_neighbor_offsets(2.9).tolist()]
    k = offsets.index((1, 2))
    irn = affinity_from_boundary(boundary, 2.9, path='irn')
    assert irn[0, k, 2, 2] == 0.0
    nearest = affinity_from_boundary(boundary, 2.9, path='nearest')
    assert nearest[0, k, 2, 2] == 1.0


def test_affinity_from_boundary_half_is_last_channels():
    boundary = _boundary(1)
    full = affinity_from_boundary(boundary, 2.9, path='irn')
    half = affinity_from_boundary(boundary, 2.9, path='irn', half=True)
    assert half.shape[1] == full.shape[1] // 2
    assert torch.equal(half, full[:, full.shape[1] // 2:])


def test_affinity_from_boundary_bad_path():
    with pytest.raises(ValueError, match='path'):
        affinity_from_boundary(_boundary(), 2.9, path='bad')


@pytest.mark.parametrize('dtype, tol', [(torch.float64, 1e-10), (torch.float32, 1e-5)])
def test_random_walk_float_radius_matches_reference(dtype, tol):
    gen = torch.Generator().manual_seed(3)
    boundary = torch.rand(2, 1, 7, 8, generator=gen).to(dtype) * 0.5
    scores = torch.rand(2, 3, 7, 8, generator=gen).to(dtype)
    aff = affinity_from_boundary(boundary, 2.9, path='irn')
    out = random_walk(scores, aff, 2.9, beta=10, log_t=2)
    ref = random_walk_reference(scores, aff, 2.9, beta=10, log_t=2)
    assert out.shape == scores.shape and out.dtype == dtype
    torch.testing.assert_close(out, ref, rtol=tol, atol=tol)
    # the walk moves mass: the result is not the input
    assert (out - scores).abs().max() > 1e-2
    # rows of the transition sum to one: a constant map stays constant
    const = torch.full_like(scores, 0.25)
    torch.testing.assert_close(random_walk(const, aff, 2.9, beta=10, log_t=2), const,
                               rtol=tol, atol=tol)


def test_random_walk_rejects_affinity_of_other_radius():
    scores = torch.rand(1, 1, 6, 6)
    aff = affinity_from_boundary(torch.rand(1, 1, 6, 6), 2.9, path='irn')
    with pytest.raises(ValueError, match='K=8'):
        random_walk(scores, aff, 1.5, beta=10, log_t=1)
