"""BLP loss: hand-computed values and the public code's formula."""
import math

import pytest
import torch

from mmlabeleff.models.losses import BLPLoss, blp_loss


def public_code_blp(seg, scrib, label, gamma=2.0):
    """BLPSeg's public loss re-expressed: one-hot of labels < K, weight
    (1 - p_scrib[:K] * p_seg) ** gamma detached, per-image weighted mean."""
    num_classes = seg.shape[1]
    valid = label < num_classes
    onehot = torch.nn.functional.one_hot(
        torch.where(valid, label, 0), num_classes).permute(0, 3, 1, 2).float()
    onehot = onehot * valid[:, None]
    prob = seg.softmax(1)
    w = onehot * ((1 - scrib.softmax(1)[:, :-1] * prob) ** gamma).detach()
    loss = -(w * seg.log_softmax(1)).flatten(1).sum(-1)
    return (loss / (w.flatten(1).sum(-1) + 1e-7)).mean()


def test_one_pixel_by_hand():
    # 2 classes; pixel labelled 0; p_seg = softmax(1, 0), p_scrib = softmax(0, 0, 0)
    seg = torch.tensor([1.0, 0.0]).view(1, 2, 1, 1)
    scrib = torch.zeros(1, 3, 1, 1)
    label = torch.zeros(1, 1, 1, dtype=torch.long)
    p0 = math.exp(1) / (math.exp(1) + 1)
    delta = (1 - p0 / 3) ** 2
    # weight-sum normalisation: delta * (-log p0) / delta
    assert math.isclose(float(blp_loss(seg, label, scrib)), -math.log(p0),
                        rel_tol=1e-6)
    # labelled-count normalisation (the paper): delta * (-log p0) / 1
    assert math.isclose(
        float(blp_loss(seg, label, scrib, normalize='num_labeled')),
        -delta * math.log(p0), rel_tol=1e-6)


def test_two_pixels_by_hand_reweight():
    # Pixel a: class 0 with p_scrib(0) = 1 - tiny (frequent annotation),
    # pixel b: class 1 with p_scrib(1) ~ 0 (rare annotation).
    seg = torch.zeros(1, 2, 1, 2)  # p_seg = 0.5 everywhere
    scrib = torch.tensor([[[[20.0, -20.0]], [[-20.0, -20.0]], [[0.0, 20.0]]]])
    label = torch.tensor([[[0, 1]]])
    wa = (1 - 0.5 * 1.0) ** 2  # 0.25
    wb = 1.0
    expected = (wa + wb) * math.log(2) / (wa + wb)
    assert math.isclose(float(blp_loss(seg, label, scrib)), expected,
                        rel_tol=1e-5)
    expected_paper = (wa + wb) * math.log(2) / 2
    assert math.isclose(float(blp_loss(seg, label, scrib,
                                       normalize='num_labeled')),
                        expected_paper, rel_tol=1e-5)


def test_matches_public_code_with_ignored_pixels():
    gen = torch.Generator().manual_seed(0)
    seg = torch.randn(3, 5, 8, 9, generator=gen)
    scrib = torch.randn(3, 6, 8, 9, generator=gen)
    label = torch.randint(0, 5, (3, 8, 9), generator=gen)
    label[:, :3] = 254
    label[:, -1] = 255
    label[2] = 254  # an image without labels contributes 0
    ours = blp_loss(seg, label, scrib)
    public = public_code_blp(seg, scrib, label)
    torch.testing.assert_close(ours, public, rtol=1e-6, atol=1e-7)


def test_gradient_only_through_seg_logits():
    seg = torch.randn(2, 3, 4, 4, requires_grad=True)
    scrib = torch.randn(2, 4, 4, 4, requires_grad=True)
    label = torch.randint(0, 3, (2, 4, 4))
    label[:, 0] = 254
    blp_loss(seg, label, scrib).backward()
    assert scrib.grad is None
    assert seg.grad[:, :, 0].abs().sum() == 0  # unlabelled row: no gradient
    assert seg.grad[:, :, 1:].abs().sum() > 0


def test_gamma_zero_is_partial_cross_entropy():
    seg = torch.randn(2, 3, 4, 4)
    scrib = torch.randn(2, 4, 4, 4)
    label = torch.randint(0, 3, (2, 4, 4))
    label[0, 0] = 255
    per_image = [torch.nn.functional.cross_entropy(
        seg[i:i + 1], label[i:i + 1], ignore_index=255) for i in range(2)]
    torch.testing.assert_close(blp_loss(seg, label, scrib, gamma=0.0),
                               torch.stack(per_image).mean())


def test_class_weight_extension():
    seg = torch.zeros(1, 2, 1, 2)
    scrib = torch.zeros(1, 3, 1, 2)
    label = torch.tensor([[[0, 1]]])
    plain = blp_loss(seg, label, scrib)
    weighted = blp_loss(seg, label, scrib, class_weight=torch.tensor([1.0, 3.0]))
    torch.testing.assert_close(plain, weighted)  # equal p: weighted mean same
    seg = torch.tensor([[[[2.0, 0.0]], [[0.0, 0.0]]]])
    assert blp_loss(seg, label, scrib, class_weight=torch.tensor([1.0, 3.0])) > \
        blp_loss(seg, label, scrib)


@pytest.mark.parametrize('kwargs, match', [
    (dict(normalize='sum'), 'normalize'),
])
def test_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        blp_loss(torch.zeros(1, 2, 1, 1), torch.zeros(1, 1, 1, dtype=torch.long),
                 torch.zeros(1, 3, 1, 1), **kwargs)
    with pytest.raises(ValueError, match=match):
        BLPLoss(**kwargs)


def test_bad_shapes_and_labels():
    seg, label = torch.zeros(1, 2, 2, 2), torch.zeros(1, 2, 2, dtype=torch.long)
    with pytest.raises(ValueError, match='K \\+ 1'):
        blp_loss(seg, label, torch.zeros(1, 2, 2, 2))
    with pytest.raises(ValueError, match='sizes differ'):
        blp_loss(seg, label, torch.zeros(1, 3, 2, 3))
    label[0, 0, 0] = 7
    with pytest.raises(ValueError, match='outside'):
        blp_loss(seg, label, torch.zeros(1, 3, 2, 2))


def test_module():
    loss = BLPLoss(gamma=2.0, loss_weight=0.5, loss_name='loss_x')
    assert loss.loss_name == 'loss_x'
    seg = torch.randn(1, 3, 2, 2)
    scrib = torch.randn(1, 4, 2, 2)
    label = torch.tensor([[[0, 1], [2, 254]]])
    torch.testing.assert_close(loss(seg, label, scrib, ignore_index=255),
                               0.5 * blp_loss(seg, label, scrib))
    with pytest.raises(ValueError, match='loss_'):
        BLPLoss(loss_name='blp')
