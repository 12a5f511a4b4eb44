"""IRNet.propagate against IRN's dense-matrix random walk; frozen backbone."""
import pytest
import torch

import mmlabeleff.models  # noqa: F401  (registers the models)
from mmlabeleff.ops import get_neighbor_offsets
from mmlabeleff.ops.affinity import _irn_path_pixels
from mmlabeleff.registry import MODELS

TEST_CFG = dict(rw_radius=2.9, beta=10, exp_times=3)


def _irnet(**test_cfg):
    cfg = dict(TEST_CFG)
    cfg.update(test_cfg)
    torch.manual_seed(0)
    return MODELS.build(
        dict(type='IRNet',
             backbone=dict(type='EfficientNetLite', arch='lite0', out_indices=(1, 2, 3),
                           init_cfg=None),
             decode_head=dict(type='IRNHead', in_channels=(24, 40, 112),
                              in_strides=(4, 8, 16)),
             test_cfg=cfg))


@pytest.fixture(scope='module')
def irnet():
    return _irnet()


def _dense_propagation(cams, boundary, radius, beta, exp_times):
    """IRN's ``propagate_to_edge`` (jiwoon-ahn/irn ``misc/indexing.py``, MIT)
    with the (hw x hw) affinity written out."""
    h, w = boundary.shape
    aff = torch.zeros(h * w, h * w, dtype=torch.float64)
    for dy, dx in get_neighbor_offsets(radius).tolist():
        path = _irn_path_pixels(dy, dx)
        for y in range(h):
            for x in range(w):
                if 0 <= y + dy < h and 0 <= x + dx < w:
                    strongest = max(boundary[y + py, x + px] for py, px in path)
                    aff[y * w + x, (y + dy) * w + x + dx] = 1 - strongest
    assert torch.equal(aff, aff.t())
    aff += torch.eye(h * w, dtype=torch.float64)
    trans = aff.pow(beta)
    trans = trans / trans.sum(dim=0, keepdim=True)  # columns sum to one
    for _ in range(exp_times):
        trans = trans @ trans
    x = (cams * (1 - boundary)).reshape(cams.shape[0], -1)
    return (x @ trans).reshape(cams.shape)


def _inputs(seed=0):
    gen = torch.Generator().manual_seed(seed)
    cams = torch.rand(2, 6, 7, generator=gen, dtype=torch.float64)
    boundary = torch.rand(6, 7, generator=gen, dtype=torch.float64) * 0.6
    boundary[:, 3] = 0.95  # a wall between the left and the right part
    return cams, boundary


def test_propagate_matches_dense_matrix(irnet):
    cams, boundary = _inputs()
    out = irnet.propagate(cams, boundary)
    assert out.shape == (2, 6, 7)
    assert out.dtype == torch.float64
    expected = _dense_propagation(cams, boundary, 2.9, 10, 3)
    torch.testing.assert_close(out, expected, rtol=1e-4, atol=1e-8)
    # the walk is not the identity on these inputs
    assert (expected - cams * (1 - boundary)).abs().max() > 1e-2


def test_propagate_float32(irnet):
    cams, boundary = _inputs(1)
    out = irnet.propagate(cams.float(), boundary.float())
    assert out.dtype == torch.float32
    expected = _dense_propagation(cams, boundary, 2.9, 10, 3)
    torch.testing.assert_close(out.double(), expected, rtol=1e-4, atol=1e-6)


def test_propagate_follows_test_cfg():
    net = _irnet(rw_radius=1.5, beta=4, exp_times=2)
    cams, boundary = _inputs(2)
    out = net.propagate(cams, boundary)
    expected = _dense_propagation(cams, boundary, 1.5, 4, 2)
    torch.testing.assert_close(out, expected, rtol=1e-4, atol=1e-8)
    other = _dense_propagation(cams, boundary, 2.9, 10, 3)
    assert not torch.allclose(out, other, rtol=1e-3, atol=1e-6)


def test_train_keeps_backbone_frozen(irnet):
    irnet.train()
    assert irnet.training
    assert irnet.decode_head.training
    assert not irnet.backbone.training
    assert all(not m.training for m in irnet.backbone.modules())
    assert all(not p.requires_grad for p in irnet.backbone.parameters())
    assert all(p.requires_grad for p in irnet.decode_head.parameters())
    irnet.eval()
    assert not irnet.training and not irnet.decode_head.training
