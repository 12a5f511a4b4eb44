"""BaseTeacherLoss: threshold check, weighting and the kept ratio."""
import pytest
import torch

from mmlabeleff.models.losses import (
    BaseTeacherLoss,
    PseudoLabelCrossEntropyLoss,
    SoftmaxMSELoss,
    check_teacher_shapes,
)


def _fraction_of_confident(logits, probs, valid, threshold):
    kept = (probs.max(1)[0] >= threshold) & valid
    return logits.sum() * 0 + 2.0, kept.float().mean()


class _Constant(BaseTeacherLoss):
    loss_fn = staticmethod(_fraction_of_confident)


def test_subclass_gets_weight_name_and_kept_ratio():
    loss = _Constant(threshold=0.6, loss_weight=1.5, loss_name='loss_x')
    probs = torch.tensor([0.7, 0.3, 0.5, 0.5]).view(1, 2, 2, 1)
    value = loss(torch.zeros(1, 2, 2, 1), probs,
                 torch.ones(1, 2, 1, dtype=torch.bool))
    assert value.item() == 3.0 and loss.loss_name == 'loss_x'
    assert loss.kept_ratio.item() == 0.5  # pixel 0: 0.7, pixel 1: 0.5


@pytest.mark.parametrize('cls', [_Constant, PseudoLabelCrossEntropyLoss,
                                 SoftmaxMSELoss])
@pytest.mark.parametrize('threshold', [-0.1, 1.5])
def test_threshold_outside_the_unit_interval_is_refused(cls, threshold):
    kwargs = dict(threshold=threshold)
    if cls is _Constant:
        kwargs.update(loss_weight=1.0, loss_name='loss_x')
    with pytest.raises(ValueError, match='threshold must be in'):
        cls(**kwargs)


def test_check_teacher_shapes_names_both_shapes():
    logits = torch.zeros(2, 3, 4, 4)
    check_teacher_shapes(logits, logits, torch.ones(2, 4, 4, dtype=bool))
    with pytest.raises(ValueError, match=r'\(2, 3, 4, 4\) and \(2, 3, 4\)'):
        check_teacher_shapes(logits, logits[:, :, 0],
                             torch.ones(2, 4, 4, dtype=bool))
    with pytest.raises(ValueError, match=r'\(N, H, W\) = \(2, 4, 4\)'):
        check_teacher_shapes(logits, logits, torch.ones(2, 4, dtype=bool))
