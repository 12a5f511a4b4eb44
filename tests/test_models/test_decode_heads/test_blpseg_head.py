"""BLPSegHead: branches, losses, self-training targets."""
import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmlabeleff.models.decode_heads import BLPSegHead

K = 4


def _head(**kwargs):
    init_default_scope('mmlabeleff')
    cfg = dict(in_channels=[8, 8, 8, 8], in_index=[0, 1, 2, 3], channels=8,
               num_classes=K, dropout_ratio=0.0,
               lam=dict(sigma=2.0),
               loss_decode=dict(type='BLPLoss'))
    cfg.update(kwargs)
    head = BLPSegHead(**cfg)
    head.init_weights()
    return head


def _inputs(size=32):
    torch.manual_seed(0)
    feats = [torch.randn(2, 8, size // s, size // s) for s in (4, 8, 16, 32)]
    return feats + [torch.randn(2, 3, size, size)]


def _samples(label):
    out = []
    for row in label:
        sample = SegDataSample(gt_sparse_seg=PixelData(data=row[None]))
        sample.set_metainfo(dict(img_shape=row.shape, pad_shape=row.shape))
        out.append(sample)
    return out


def _label(size=32):
    label = torch.full((2, size, size), 254)
    label[:, 3, 2:12] = 1
    label[:, 9, 2:12] = 2
    label[:, -1] = 255
    return label


def test_forward_shapes_and_branches():
    head = _head()
    inputs = _inputs()
    assert head(inputs).shape == (2, K, 8, 8)
    seg, scribble = head._forward_both(inputs, with_scribble=True)
    assert scribble.shape == (2, K + 1, 8, 8)
    assert head.scribble_branch[-1].out_channels == K + 1
    # the scribble branch reads detached features: no gradient to the trunk
    scribble.sum().backward()
    assert head.fpn_bottleneck.conv.weight.grad is None
    assert head.scribble_branch[0].conv.weight.grad is not None


def test_loss_keys_and_default_scribble_weights():
    head = _head()
    losses = head.loss(_inputs(), _samples(_label()), {})
    assert set(losses) == {'loss_scribble', 'loss_blp', 'acc_seg'}
    weight = head.loss_scribble.class_weight
    assert weight.tolist() == pytest.approx([1.0] * K + [0.02])


def test_scribble_loss_is_weighted_ce_with_unlabeled_class():
    head = _head(lam=None, loss_decode=dict(type='PartialCrossEntropyLoss'))
    inputs = _inputs()
    label = _label()
    losses = head.loss(inputs, _samples(label), {})
    _, scribble = head._forward_both(inputs, with_scribble=True)
    scribble = torch.nn.functional.interpolate(scribble, size=(32, 32),
                                               mode='bilinear')
    target = label.clone()
    target[label == 254] = K
    expected = torch.nn.functional.cross_entropy(
        scribble, target, ignore_index=255,
        weight=torch.tensor([1.0] * K + [0.02]))
    torch.testing.assert_close(losses['loss_scribble'], expected)


def test_partial_ce_baseline_without_branches():
    head = _head(scribble_head=False, lam=None,
                 loss_decode=dict(type='PartialCrossEntropyLoss',
                                  loss_name='loss_ce'))
    losses = head.loss(_inputs(), _samples(_label()), {})
    assert set(losses) == {'loss_ce', 'acc_seg'}
    assert head.lam is None and head.scribble_branch is None


def test_blp_needs_scribble_head():
    with pytest.raises(ValueError, match='scribble head'):
        _head(scribble_head=False)


def test_self_training_targets():
    head = _head()
    logits = torch.zeros(1, K, 2, 3)
    logits[0, 0] = 10.0  # class 0 confident everywhere
    logits[0, :, 0, 2] = 0.0  # uniform: not confident
    labels = torch.tensor([[[254, 2, 254], [255, 254, 254]]])
    mask = torch.tensor([[1.0, 0.0, 1.0, 0.0]])
    targets = head.self_training_targets(logits, labels, mask)
    assert targets.tolist() == [[[0, 2, 255], [255, 0, 0]]]
    # class 0 absent from the image: its confident pixels become ignored
    targets = head.self_training_targets(
        logits, labels, torch.tensor([[0.0, 1.0, 1.0, 1.0]]))
    assert targets.tolist() == [[[255, 2, 255], [255, 255, 255]]]


def test_self_training_switches_the_target():
    head = _head(lam=None)
    inputs, label = _inputs(), _label()
    before = head.loss(inputs, _samples(label), {})['loss_blp']
    head.self_training = True
    head.self_training_thr = 0.0  # every pixel gets a pseudo label
    after = head.loss(inputs, _samples(label), {})['loss_blp']
    assert not torch.isclose(before, after)


def test_dense_labels_are_used_without_sparse():
    head = _head()
    sample = SegDataSample(gt_sem_seg=PixelData(
        data=torch.randint(0, K, (1, 32, 32))))
    sample.set_metainfo(dict(img_shape=(32, 32)))
    losses = head.loss(_inputs(), [sample, sample], {})
    assert losses['loss_blp'] > 0


def test_always_present_classes_join_the_class_mask():
    head = _head(lam=None, always_present_classes=(0,))
    head.self_training = True
    head.self_training_thr = 0.0
    inputs, label = _inputs(), _label()
    seg, _ = head._forward_both(inputs, with_scribble=False)
    with pytest.raises(ValueError, match='not class ids'):
        _head(always_present_classes=(K,))
    # class 0 is not in the labels (1 and 2 are), yet may be predicted
    logits = torch.zeros(1, K, 1, 2)
    logits[0, 0] = 5.0
    labels = torch.tensor([[[254, 254]]])
    mask = torch.tensor([[0.0, 1.0, 1.0, 0.0]])
    mask[:, list(head.always_present_classes)] = 1.0
    assert head.self_training_targets(logits, labels, mask).tolist() == [[[0, 0]]]
    losses = head.loss(inputs, _samples(label), {})
    assert torch.isfinite(losses['loss_blp'])
