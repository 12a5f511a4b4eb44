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
