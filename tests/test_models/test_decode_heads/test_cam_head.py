"""CAMHead: pooled classifier logits, CAMs, image-tag targets and loss."""
import pytest
import torch
import torch.nn.functional as F
from mmseg.structures import SegDataSample

import mmlabeleff.models  # noqa: F401  (registers the heads)
from mmlabeleff.registry import MODELS


def _head(**kwargs):
    cfg = dict(type='CAMHead', in_channels=8, num_classes=4, background_index=0)
    cfg.update(kwargs)
    torch.manual_seed(0)
    return MODELS.build(cfg)


def _feats(n=2):
    gen = torch.Generator().manual_seed(1)
    return [torch.randn(n, 4, 3, 3, generator=gen),
            torch.randn(n, 8, 5, 6, generator=gen)]


def _sample(tags, img_path='img.png'):
    sample = SegDataSample(metainfo=dict(img_path=img_path))
    if tags is not None:
        sample.set_data(dict(gt_image_labels=torch.tensor(tags, dtype=torch.float32)))
    return sample


def test_cam_channels_and_class_ids():
    head = _head()
    assert head.num_cam_classes == 3
    assert head.class_ids.tolist() == [1, 2, 3]
    assert head.conv_seg.weight.shape == (3, 8, 1, 1)
    assert head.conv_seg.bias is None
    no_bg = _head(background_index=None)
    assert no_bg.num_cam_classes == 4
    assert no_bg.class_ids.tolist() == [0, 1, 2, 3]
    mid = _head(background_index=2)
    assert mid.class_ids.tolist() == [0, 1, 3]


def test_bad_background_index():
    with pytest.raises(ValueError, match='background_index'):
        _head(background_index=4)


def test_forward_is_classifier_of_pooled_features():
    head = _head()
    feats = _feats()
    logits = head(feats)
    assert logits.shape == (2, 3)
    pooled = feats[-1].mean(dim=(2, 3))  # (N, C_in)
    expected = pooled @ head.conv_seg.weight[:, :, 0, 0].t()
    torch.testing.assert_close(logits, expected, rtol=1e-5, atol=1e-6)
    # and equals the spatial mean of the un-rectified CAM scores
    raw = F.conv2d(feats[-1], head.conv_seg.weight)
    torch.testing.assert_close(logits, raw.mean(dim=(2, 3)), rtol=1e-5, atol=1e-6)


def test_in_index_selects_the_stage():
    head = _head(in_channels=4, in_index=0)
    feats = _feats()
    expected = feats[0].mean(dim=(2, 3)) @ head.conv_seg.weight[:, :, 0, 0].t()
    torch.testing.assert_close(head(feats), expected, rtol=1e-5, atol=1e-6)


def test_cams_are_rectified_class_maps():
    head = _head()
    feats = _feats()
    cams = head.cams(feats)
    assert cams.shape == (2, 3, 5, 6)
    expected = F.relu(F.conv2d(feats[-1], head.conv_seg.weight))
    torch.testing.assert_close(cams, expected)
    assert (cams >= 0).all() and (cams == 0).any() and (cams > 0).any()


def test_image_label_targets_drop_background():
    head = _head()
    samples = [_sample([1, 0, 1, 1]), _sample([0, 1, 0, 0])]
    targets = head.image_label_targets(samples)
    assert targets.dtype == torch.float32
    assert targets.tolist() == [[0, 1, 1], [1, 0, 0]]
    targets = _head(background_index=None).image_label_targets(samples)
    assert targets.tolist() == [[1, 0, 1, 1], [0, 1, 0, 0]]


def test_loss_is_multilabel_soft_margin():
    head = _head()
    logits = torch.tensor([[2.0, -1.0, 0.5], [-0.3, 1.5, 0.4]], requires_grad=True)
    samples = [_sample([1, 1, 0, 1]), _sample([1, 0, 1, 0])]
    losses = head.loss_by_feat(logits, samples)
    targets = torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    expected = F.multilabel_soft_margin_loss(logits, targets)
    assert set(losses) == {'loss_cls', 'acc_cls'}
    torch.testing.assert_close(losses['loss_cls'], expected, rtol=0, atol=1e-6)
    # decisions at logit 0: only (1, 2) is wrong (0.4 > 0, tag 0): 5 of 6
    torch.testing.assert_close(losses['acc_cls'], torch.tensor(500 / 6))
    losses['loss_cls'].backward()
    assert logits.grad is not None and logits.grad.abs().sum() > 0


def test_head_loss_end_to_end_backpropagates():
    head = _head()
    feats = _feats()
    samples = [_sample([1, 1, 0, 1]), _sample([1, 0, 1, 0])]
    losses = head.loss(feats, samples, train_cfg=None)
    expected = F.multilabel_soft_margin_loss(
        head(feats), torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]))
    torch.testing.assert_close(losses['loss_cls'], expected, rtol=0, atol=1e-6)
    losses['loss_cls'].backward()
    assert head.conv_seg.weight.grad.abs().sum() > 0


def test_missing_tags_name_the_image():
    head = _head()
    samples = [_sample([1, 1, 0, 0]), _sample(None, img_path='data/frame_0042.png')]
    with pytest.raises(ValueError, match='frame_0042.png'):
        head.image_label_targets(samples)
    with pytest.raises(ValueError, match='gt_image_labels'):
        head.loss_by_feat(torch.zeros(2, 3), samples)


@pytest.mark.parametrize('tags', [[1, 0, 1], [1, 0, 1, 0, 0]])
def test_wrong_length_tags_raise(tags):
    head = _head()
    with pytest.raises(ValueError, match='bad_tags.png'):
        head.image_label_targets([_sample(tags, img_path='bad_tags.png')])
