"""PseudoLabelCrossEntropyLoss: threshold masking and normalisation."""
import pytest
import torch

from mmlabeleff.models.losses import (
    PseudoLabelCrossEntropyLoss,
    pseudo_label_cross_entropy,
)


def _reference(logits, probs, valid, threshold):
    """Pixel by pixel: -log softmax(logits)[argmax probs] where the
    teacher is confident and the pixel valid, summed, over valid pixels."""
    total, kept = 0.0, 0
    n, _, h, w = logits.shape
    for b in range(n):
        for y in range(h):
            for x in range(w):
                if not valid[b, y, x]:
                    continue
                conf, label = probs[b, :, y, x].max(0)
                if conf >= threshold:
                    kept += 1
                    total -= torch.log_softmax(logits[b, :, y, x], 0)[label]
    return total / int(valid.sum()), kept / int(valid.sum())


@pytest.mark.parametrize('threshold', [0.0, 0.5, 0.9])
def test_matches_a_pixelwise_reference(threshold):
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 4, 5, 6, generator=gen)
    probs = (3 * torch.randn(2, 4, 5, 6, generator=gen)).softmax(1)
    valid = torch.rand(2, 5, 6, generator=gen) > 0.2
    loss, kept = pseudo_label_cross_entropy(logits, probs, valid, threshold)
    ref_loss, ref_kept = _reference(logits, probs, valid, threshold)
    assert loss.item() == pytest.approx(float(ref_loss), rel=1e-5)
    assert kept.item() == pytest.approx(ref_kept)


def test_threshold_masks_unsure_pixels_but_keeps_the_denominator():
    logits = torch.zeros(1, 2, 1, 2, requires_grad=True)
    probs = torch.tensor([[[[0.99, 0.6]], [[0.01, 0.4]]]])  # sure, unsure
    valid = torch.ones(1, 1, 2, dtype=torch.bool)
    loss_fn = PseudoLabelCrossEntropyLoss(threshold=0.95, loss_weight=2.0)
    loss = loss_fn(logits, probs, valid)
    # only the sure pixel counts, divided by both valid pixels
    assert loss.item() == pytest.approx(2.0 * torch.log(torch.tensor(2.)) / 2)
    assert loss_fn.kept_ratio.item() == pytest.approx(0.5)
    loss.backward()
    assert logits.grad[0, :, 0, 1].abs().sum() == 0  # unsure pixel: no grad
    assert logits.grad[0, :, 0, 0].abs().sum() > 0
    assert probs.grad is None


def test_no_valid_pixel_gives_zero_in_the_graph():
    logits = torch.randn(1, 3, 2, 2, requires_grad=True)
    probs = torch.rand(1, 3, 2, 2).softmax(1)
    loss, kept = pseudo_label_cross_entropy(
        logits, probs, torch.zeros(1, 2, 2, dtype=torch.bool))
    assert loss.item() == 0 and kept.item() == 0
    loss.backward()


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match='threshold'):
        PseudoLabelCrossEntropyLoss(threshold=1.5)
    with pytest.raises(ValueError, match='one shape'):
        pseudo_label_cross_entropy(torch.zeros(1, 3, 2, 2),
                                   torch.zeros(1, 2, 2, 2),
                                   torch.ones(1, 2, 2, dtype=torch.bool))
    with pytest.raises(ValueError, match='valid mask'):
        pseudo_label_cross_entropy(torch.zeros(1, 3, 2, 2),
                                   torch.zeros(1, 3, 2, 2),
                                   torch.ones(2, 2, dtype=torch.bool))
