"""EfficientNetLite(out_stride=16 / 8): atrous stages, same weights."""
import pytest
import torch

import mmlabeleff.models  # noqa: F401
from mmlabeleff.registry import MODELS


def _net(out_stride):
    torch.manual_seed(0)
    net = MODELS.build(dict(type='EfficientNetLite', out_indices=(2, 3, 4),
                            out_stride=out_stride, init_cfg=None))
    return net.eval()


@pytest.mark.parametrize('out_stride, sizes', [
    (32, [(8, 12), (4, 6), (2, 3)]),
    (16, [(8, 12), (4, 6), (4, 6)]),
    (8, [(8, 12), (8, 12), (8, 12)]),
])
def test_output_sizes(out_stride, sizes):
    feats = _net(out_stride)(torch.rand(1, 3, 64, 96))
    assert [tuple(f.shape[-2:]) for f in feats] == sizes


def test_same_weights_and_identical_shallow_stages():
    base, atrous = _net(32), _net(16)
    atrous.load_state_dict(base.state_dict())  # same parameter names and shapes
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        a, b = base(x), atrous(x)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])  # strides 8, 16
    depthwise = atrous.stages[4][0].depthwise.conv
    assert depthwise.stride == (1, 1) and depthwise.dilation == (2, 2)


def test_bad_out_stride():
    with pytest.raises(ValueError, match='out_stride'):
        MODELS.build(dict(type='EfficientNetLite', out_stride=4, init_cfg=None))
