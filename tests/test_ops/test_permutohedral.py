"""The pure-PyTorch permutohedral lattice approximates Gaussian filtering."""
import pytest
import torch

from mmlabeleff.ops.permutohedral import PermutohedralLattice


@pytest.mark.parametrize('dim,min_corr', [(2, 0.99), (5, 0.95)])
def test_filter_follows_the_exact_gaussian(dim, min_corr):
    g = torch.Generator().manual_seed(dim)
    feats = torch.rand(300, dim, generator=g) * 4
    values = torch.rand(300, 3, generator=g)
    lattice = PermutohedralLattice(feats)
    out = lattice.filter(values)
    sq_dist = torch.cdist(feats.double(), feats.double()) ** 2
    exact = torch.exp(-0.5 * sq_dist) @ values.double()
    corr = torch.corrcoef(torch.stack([out.double().flatten(), exact.flatten()]))
    assert corr[0, 1] > min_corr
    # a far-away point does not see the others
    far = torch.cat([feats, torch.full((1, dim), 100.0)])
    far_vals = torch.cat([torch.zeros(300, 1), torch.ones(1, 1)])
    assert PermutohedralLattice(far).filter(far_vals)[:300].abs().max() == 0


def test_embedding_is_a_partition_of_unity():
    feats = torch.randn(500, 5) * 3
    lattice = PermutohedralLattice(feats)
    assert torch.allclose(lattice.weights.sum(1), torch.ones(500), atol=1e-5)
    assert (lattice.weights >= -1e-6).all()
    assert lattice.offsets.shape == (500, 6)
    assert 0 < lattice.num_vertices <= 500 * 6
    assert lattice.neighbors.shape == (6, 2, lattice.num_vertices)
    # a constant input stays constant up to the (position-independent) gain
    dense = PermutohedralLattice(torch.stack(torch.meshgrid(
        torch.arange(20.), torch.arange(20.), indexing='ij'), -1).reshape(-1, 2) / 3)
    out = dense.filter(torch.ones(400, 1)).reshape(20, 20)
    centre = out[6:14, 6:14]
    assert centre.std() / centre.mean() < 0.05


def test_bad_features_are_rejected():
    with pytest.raises(ValueError, match='features'):
        PermutohedralLattice(torch.zeros(10))
    with pytest.raises(ValueError, match='features'):
        PermutohedralLattice(torch.zeros(10, 2, dtype=torch.long))


def test_features_out_of_range_or_not_finite_are_rejected():
    feats = torch.rand(20, 5)
    bad = feats.clone()
    bad[3, 2] = float('nan')
    with pytest.raises(ValueError, match='features contains NaN'):
        PermutohedralLattice(bad)
    # |f| * scale beyond the int16 keys of the compiled lattice
    with pytest.raises(ValueError, match=r'features too small.*32000'):
        PermutohedralLattice(feats * 1e5)


def test_reverse_filter_is_the_exact_transpose():
    g = torch.Generator().manual_seed(3)
    lattice = PermutohedralLattice(torch.rand(200, 5, generator=g) * 3)
    a = torch.randn(200, 2, generator=g, dtype=torch.float64)
    b = torch.randn(200, 2, generator=g, dtype=torch.float64)
    fb = lattice.filter(b)
    fta = lattice.filter(a, reverse=True)
    assert torch.allclose((a * fb).sum(), (fta * b).sum(), rtol=1e-12)
    # the forward filter itself is only approximately symmetric
    assert not torch.allclose(lattice.filter(a), fta, rtol=1e-6)


def test_wide_lattices_find_the_same_neighbours():
    lattice = PermutohedralLattice(torch.rand(300, 5) * 4)
    unique_keys = torch.unique(
        lattice._embed(torch.rand(300, 5) * 4)[0].reshape(-1, 5), dim=0)
    assert torch.equal(lattice._find_neighbors(unique_keys),
                       lattice._find_neighbors_rowwise(unique_keys))
    # keys spanning more than an int64 code holds (more than 2^12 per axis
    # in 5-D) use the row-wise matching; the lattice still filters
    wide = torch.rand(50, 5) * 2
    wide[0] = 1000.0
    assert PermutohedralLattice(wide).filter(torch.ones(50, 1)).shape == (50, 1)


def test_range_helpers():
    from mmlabeleff.ops.permutohedral import (
        MAX_ELEVATED,
        check_feature_range,
        check_sigma,
        elevation_bound,
    )
    assert check_sigma('sxy', 3) == 3.0
    for bad in (0, -1.0, float('nan'), float('inf'), 1e-50, 1e300):
        with pytest.raises(ValueError, match='sxy must be a finite number > 0'):
            check_sigma('sxy', bad)
    with pytest.raises(TypeError, match='sxy must be a number'):
        check_sigma('sxy', True)
    # d = 2, |f_0| <= 1, f_1 = 0: |e_0| and |e_1| reach s_0 = sqrt(3)
    assert elevation_bound([1.0, 0.0]) == pytest.approx(3**0.5, rel=1e-6)
    assert elevation_bound([float('nan'), 1.0]) != elevation_bound([float('nan'), 1.0])
    check_feature_range([10.0] * 5, ['sxy'] * 2 + ['srgb'] * 3)
    big = MAX_ELEVATED
    with pytest.raises(ValueError, match=r'^sxy too small'):
        check_feature_range([big, 0, 1, 1, 1], ['sxy'] * 2 + ['srgb'] * 3)
    with pytest.raises(ValueError, match=r'^srgb too small'):
        check_feature_range([1, 1, big, 0, 0], ['sxy'] * 2 + ['srgb'] * 3)
    with pytest.raises(ValueError, match=r'^sxy and srgb too small'):
        check_feature_range([big / 7] * 5, ['sxy'] * 2 + ['srgb'] * 3)
