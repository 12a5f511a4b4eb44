"""SegSort+ loss against a slow, obviously correct per-pixel reference."""
import pytest
import torch

from mmlabeleff.models.losses import SegSortLoss, segsort_loss


def slow_segsort(emb, labels, segments, protos, proto_labels, kappa,
                 weight=None):
    """Pixel by pixel, segment by segment: the formula of SPML / SegSort+
    with the public code's rules (own segment subtracted from the positives,
    fallback to it when nothing else is positive)."""
    total = 0.0
    for i in range(emb.shape[0]):
        k = float(kappa[i]) if torch.is_tensor(kappa) else kappa
        pos = neg = own = 0.0
        for s in range(protos.shape[0]):
            value = torch.exp(k * torch.dot(emb[i], protos[s]))
            if labels.dim() == 2:
                same = bool((labels[i].float() * proto_labels[s].float()).sum() > 0)
            else:
                same = bool(labels[i] == proto_labels[s])
            if s == int(segments[i]):
                own = value
            if same:
                pos = pos + value
            else:
                neg = neg + value
        pos = pos - own
        numerator = pos if pos > 0 else own
        if int(segments[i]) < 0 and not pos > 0:
            continue  # no own and no positive segment: contributes 0
        nll = -torch.log(numerator / (numerator + neg))
        total = total + (nll * weight[i] if weight is not None else nll)
    return total / emb.shape[0]


def unit(x):
    return x / x.norm(dim=1, keepdim=True)


@pytest.mark.parametrize('multi_label', [False, True])
def test_matches_slow_reference_values_and_gradients(multi_label):
    gen = torch.Generator().manual_seed(0)
    num_pix, num_seg, dim = 23, 9, 5
    emb = unit(torch.randn(num_pix, dim, generator=gen, dtype=torch.float64))
    protos = unit(torch.randn(num_seg, dim, generator=gen, dtype=torch.float64))
    emb.requires_grad_(True)
    protos.requires_grad_(True)
    segments = torch.randint(0, num_seg, (num_pix, ), generator=gen)
    segments[:3] = -1  # pixels without an own segment among the prototypes
    if multi_label:
        labels = (torch.rand(num_pix, 4, generator=gen) > 0.6).long()
        labels[5] = 0  # an image without tags: every segment is negative
        proto_labels = (torch.rand(num_seg, 4, generator=gen) > 0.6).long()
    else:
        labels = torch.randint(0, 3, (num_pix, ), generator=gen)
        proto_labels = torch.randint(0, 3, (num_seg, ), generator=gen)
        # make every pixel's own segment share its label (segments are pure)
        has = segments >= 0
        labels[has] = proto_labels[segments[has]]
    kappa = torch.rand(num_pix, generator=gen, dtype=torch.float64) * 10 + 2
    weight = torch.rand(num_pix, generator=gen, dtype=torch.float64)
    fast = segsort_loss(emb, labels, segments, protos, proto_labels, kappa,
                        weight=weight)
    slow = slow_segsort(emb, labels, segments, protos, proto_labels, kappa,
                        weight)
    assert torch.allclose(fast, slow, rtol=1e-10)
    g_fast = torch.autograd.grad(fast, (emb, protos))
    g_slow = torch.autograd.grad(slow, (emb, protos))
    for a, b in zip(g_fast, g_slow):
        assert torch.allclose(a, b, rtol=1e-7, atol=1e-9)


def test_fallback_to_own_segment_and_exact_zero_without_negatives():
    emb = unit(torch.tensor([[1.0, 0.0], [0.0, 1.0]]))
    protos = unit(torch.tensor([[1.0, 0.1], [0.2, 1.0]]))
    # pixel 0: only its own segment is positive -> numerator = own
    labels = torch.tensor([0, 1])
    proto_labels = torch.tensor([0, 1])
    loss = segsort_loss(emb, labels, torch.tensor([0, 1]), protos,
                        proto_labels, 4.0, reduction='none')
    s = torch.exp(4.0 * emb @ protos.t())
    expected0 = -torch.log(s[0, 0] / (s[0, 0] + s[0, 1]))
    assert torch.allclose(loss[0], expected0)
    # one class only: no negatives, the loss is exactly 0
    same = segsort_loss(emb, torch.tensor([0, 0]), torch.tensor([0, 1]),
                        protos, torch.tensor([0, 0]), 4.0, reduction='none')
    assert torch.equal(same, torch.zeros(2))


def test_float32_matches_float64_reference():
    gen = torch.Generator().manual_seed(3)
    emb = unit(torch.randn(50, 8, generator=gen))
    protos = unit(torch.randn(12, 8, generator=gen))
    labels = torch.randint(0, 4, (50, ), generator=gen)
    proto_labels = torch.randint(0, 4, (12, ), generator=gen)
    segments = torch.full((50, ), -1)
    loss32 = segsort_loss(emb, labels, segments, protos, proto_labels, 16.0)
    loss64 = slow_segsort(emb.double(), labels, segments, protos.double(),
                          proto_labels, 16.0)
    assert abs(float(loss32) - float(loss64)) < 1e-5


def test_module_and_argument_checks():
    loss = SegSortLoss(concentration=6, loss_weight=0.5, loss_name='loss_a')
    assert loss.loss_name == 'loss_a'
    emb = unit(torch.randn(4, 3))
    protos = unit(torch.randn(2, 3))
    args = (emb, torch.tensor([0, 1, 0, 1]), torch.tensor([0, 1, 0, 1]),
            protos, torch.tensor([0, 1]))
    assert torch.allclose(loss(*args), 0.5 * segsort_loss(*args, 6.0))
    with pytest.raises(ValueError, match='concentration'):
        SegSortLoss(concentration=100)
    with pytest.raises(ValueError, match='loss_'):
        SegSortLoss(loss_name='x')
    with pytest.raises(ValueError, match='multi-hot'):
        segsort_loss(emb, torch.zeros(4, 2), torch.zeros(4, dtype=torch.long),
                     emb[:2], torch.zeros(2, dtype=torch.long), 1.0)
    # no pixel: 0 and still in the graph
    e = torch.zeros(0, 3, requires_grad=True)
    zero = segsort_loss(e, torch.zeros(0, dtype=torch.long),
                        torch.zeros(0, dtype=torch.long), emb[:2],
                        torch.tensor([0, 1]), 1.0)
    assert float(zero) == 0 and zero.requires_grad
