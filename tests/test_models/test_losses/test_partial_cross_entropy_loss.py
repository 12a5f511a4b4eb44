import pytest
import torch
import torch.nn.functional as F

from mmlabeleff.models.losses import PartialCrossEntropyLoss, partial_cross_entropy
from mmlabeleff.registry import MODELS


def _data(seed=0):
    g = torch.Generator().manual_seed(seed)
    pred = torch.randn(2, 4, 5, 6, generator=g, requires_grad=True)
    label = torch.randint(0, 4, (2, 5, 6), generator=g)
    label[0, 0] = 255
    return pred, label


def test_equals_torch_weighted_cross_entropy_on_full_masks():
    pred, label = _data()
    cw = torch.tensor([0.5, 1.0, 2.0, 4.0])
    ours = partial_cross_entropy(pred, label, class_weight=cw)
    ref = F.cross_entropy(pred, label, weight=cw, ignore_index=255)
    torch.testing.assert_close(ours, ref)
    torch.testing.assert_close(
        partial_cross_entropy(pred, label),
        F.cross_entropy(pred, label, ignore_index=255))


def test_unlabeled_pixels_are_ignored_like_padding():
    pred, label = _data(1)
    sparse = label.clone()
    sparse[1, 2:] = 254
    as_ignore = sparse.clone()
    as_ignore[as_ignore == 254] = 255
    torch.testing.assert_close(
        partial_cross_entropy(pred, sparse),
        F.cross_entropy(pred, as_ignore, ignore_index=255))
    # gradients only reach labelled pixels
    partial_cross_entropy(pred, sparse).backward()
    assert pred.grad[1, :, 2:].abs().sum() == 0
    assert pred.grad[1, :, :2].abs().sum() > 0


def test_no_labelled_pixel_gives_zero_with_graph():
    pred, label = _data()
    label[:] = 254
    loss = partial_cross_entropy(pred, label)
    assert loss.item() == 0.0 and loss.requires_grad


def test_pixel_weight_and_sum_reduction():
    pred, label = _data()
    w = torch.rand(2, 5, 6)
    valid = label != 255
    per_pixel = F.cross_entropy(pred, label.clamp(max=3), reduction='none')
    expected = (per_pixel * w * valid).sum() / (w * valid).sum()
    torch.testing.assert_close(partial_cross_entropy(pred, label, weight=w),
                               expected)
    torch.testing.assert_close(
        partial_cross_entropy(pred, label, reduction='sum'),
        (per_pixel * valid).sum())


def test_out_of_range_labels_are_an_error():
    pred, label = _data()
    label[0, 1, 1] = 7
    with pytest.raises(ValueError, match=r'labels \[7\]'):
        partial_cross_entropy(pred, label)


def test_module_in_an_mmseg_decode_head():
    from mmengine.registry import init_default_scope
    init_default_scope('mmlabeleff')
    loss = MODELS.build(dict(type='PartialCrossEntropyLoss',
                             class_weight=[1.0, 2.0, 1.0, 1.0], loss_weight=0.5))
    assert loss.loss_name == 'loss_pce'
    pred, label = _data()
    expected = 0.5 * F.cross_entropy(
        pred, label, weight=torch.tensor([1.0, 2.0, 1.0, 1.0]), ignore_index=255)
    torch.testing.assert_close(loss(pred, label, ignore_index=255), expected)
    head = MODELS.build(dict(
        type='mmseg.FCNHead', in_channels=8, channels=8, num_convs=1,
        num_classes=4, loss_decode=dict(type='PartialCrossEntropyLoss')))
    with pytest.raises(ValueError, match='3 entries for 4 classes'):
        MODELS.build(dict(type='PartialCrossEntropyLoss',
                          class_weight=[1.0, 1.0, 1.0]))(pred, label)
    assert head.loss_decode.loss_name == 'loss_pce'
    with pytest.raises(ValueError, match='must start with'):
        PartialCrossEntropyLoss(loss_name='pce')
