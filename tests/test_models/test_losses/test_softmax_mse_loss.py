"""SoftmaxMSELoss: Mean Teacher's squared error of class probabilities."""
import pytest
import torch

from mmlabeleff.models.losses import SoftmaxMSELoss, softmax_mse


def test_matches_the_formula_over_valid_pixels():
    gen = torch.Generator().manual_seed(1)
    logits = torch.randn(2, 3, 4, 4, generator=gen)
    probs = torch.randn(2, 3, 4, 4, generator=gen).softmax(1)
    valid = torch.rand(2, 4, 4, generator=gen) > 0.3
    loss, kept = softmax_mse(logits, probs, valid)
    per_pixel = ((logits.softmax(1) - probs) ** 2).sum(1)
    assert loss.item() == pytest.approx(
        per_pixel[valid].sum().item() / valid.sum().item(), rel=1e-6)
    assert kept.item() == pytest.approx(1.0)


def test_identical_predictions_cost_nothing_and_threshold_masks():
    logits = torch.randn(1, 4, 3, 3)
    loss_fn = SoftmaxMSELoss(loss_weight=3.0)
    valid = torch.ones(1, 3, 3, dtype=torch.bool)
    assert loss_fn(logits, logits.softmax(1), valid).item() == pytest.approx(
        0.0, abs=1e-7)
    uniform = torch.full((1, 4, 3, 3), 0.25)
    masked = SoftmaxMSELoss(threshold=0.5)
    assert masked(logits, uniform, valid).item() == 0
    assert masked.kept_ratio.item() == 0
    assert masked.loss_name == 'loss_consistency'
