"""SemiBaseSegmentor, UniMatch and CPS: teachers, EMA, streams, losses."""
import copy
from unittest.mock import MagicMock

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmlabeleff.models.losses import pseudo_label_cross_entropy
from mmlabeleff.registry import MODELS
from mmlabeleff.testing.script_loader import REPO_ROOT

MODEL_CFG = REPO_ROOT / 'configs/_base_/models/deeplabv3plus_efflite0.py'
SIZE = (32, 32)


def _segmentor_cfg():
    cfg = Config.fromfile(str(MODEL_CFG)).model
    cfg.backbone.init_cfg = None
    cfg.decode_head.channels = 16
    cfg.decode_head.c1_channels = 8
    cfg.decode_head.dropout_ratio = 0.0
    cfg.data_preprocessor.size = SIZE
    return cfg.to_dict()


def _build(type_='SemiBaseSegmentor', **kwargs):
    init_default_scope('mmlabeleff')
    torch.manual_seed(0)
    model = MODELS.build(dict(type=type_, segmentor=_segmentor_cfg(),
                              **kwargs))
    model.init_weights()
    return model


def _sample(label=None, padding=(0, 0, 0, 0)):
    sample = SegDataSample()
    if label is not None:
        sample.gt_sem_seg = PixelData(data=label[None])
    sample.set_metainfo(dict(img_shape=SIZE, pad_shape=SIZE, ori_shape=SIZE,
                             padding_size=list(padding)))
    return sample


def _batch(num_sup=2, num_unsup=2, strong=('unsup_student', ), seed=0):
    gen = torch.Generator().manual_seed(seed)
    inputs = {'sup': torch.randn(num_sup, 3, *SIZE, generator=gen),
              'unsup_teacher': torch.randn(num_unsup, 3, *SIZE,
                                           generator=gen)}
    labels = torch.randint(0, 11, (num_sup, *SIZE), generator=gen)
    samples = {'sup': [_sample(lab) for lab in labels],
               'unsup_teacher': [_sample(padding=(0, 4, 0, 6))
                                 for _ in range(num_unsup)]}
    for name in strong:
        inputs[name] = inputs['unsup_teacher'] + 0.1 * torch.randn(
            num_unsup, 3, *SIZE, generator=gen)
        samples[name] = copy.deepcopy(samples['unsup_teacher'])
    return inputs, samples


def test_ema_teacher_is_frozen_and_stays_in_eval_mode():
    model = _build(semi_train_cfg=dict(teacher='ema'),
                   unsup_loss=dict(type='SoftmaxMSELoss'))
    model.train()
    assert model.student.training and not model.teacher.training
    assert not any(p.requires_grad for p in model.teacher.parameters())
    assert model.semi_test_cfg['predict_on'] == 'teacher'
    inputs, samples = _batch()
    losses = model.loss(inputs, samples)
    assert {'sup.decode.loss_ce', 'unsup.loss_consistency',
            'unsup.kept_ratio'} <= set(losses)
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    assert all(p.grad is None for p in model.teacher.parameters())
    assert model.student.backbone.stem.conv.weight.grad.abs().sum() > 0


def test_mean_teacher_hook_moves_parameters_and_buffers():
    mmdet_hooks = pytest.importorskip('mmdet.engine.hooks')
    model = _build(semi_train_cfg=dict(teacher='ema'))
    hook = mmdet_hooks.MeanTeacherHook(momentum=0.25, skip_buffer=False)
    runner = MagicMock(model=model, iter=0)
    with torch.no_grad():
        for p in model.teacher.parameters():
            p.add_(1.0)
    hook.before_train(runner)  # iteration 0: the teacher becomes the student
    for s, t in zip(model.student.state_dict().values(),
                    model.teacher.state_dict().values()):
        assert torch.equal(s, t)
    student_before = copy.deepcopy(model.student.state_dict())
    teacher_before = copy.deepcopy(model.teacher.state_dict())
    with torch.no_grad():
        for p in model.student.parameters():
            p.add_(torch.randn_like(p))
        bn = model.student.decode_head.image_pool[1].bn
        bn.running_mean.add_(2.0)
    hook.after_train_iter(runner, 0)
    teacher = model.teacher.state_dict()
    for name, value in model.student.state_dict().items():
        if not value.dtype.is_floating_point:
            continue
        expected = 0.75 * teacher_before[name] + 0.25 * value
        assert torch.allclose(teacher[name], expected, atol=1e-6), name
    # the student did move, so the teacher is now strictly between
    moved = model.student.decode_head.conv_seg.weight
    assert not torch.equal(student_before['decode_head.conv_seg.weight'],
                           moved)
    assert not torch.equal(teacher['decode_head.conv_seg.weight'], moved)


def test_valid_masks_follow_the_padding():
    model = _build(semi_train_cfg=dict(teacher='student'))
    samples = [_sample(padding=(0, 4, 0, 6)), _sample(padding=(2, 0, 3, 0)),
               SegDataSample()]
    valid = model.valid_masks(samples, SIZE, torch.device('cpu'))
    assert valid[0, :26, :28].all() and not valid[0, 26:].any()
    assert not valid[0, :, 28:].any()
    assert not valid[1, :3].any() and not valid[1, :, :2].any()
    assert valid[1, 3:, 2:].all() and valid[2].all()


def test_student_teacher_labels_weak_view_in_one_forward():
    """teacher='student': no second network; the pseudo labels are the
    student's own (train-mode) predictions on the weak views."""
    model = _build(semi_train_cfg=dict(teacher='student', mix=None,
                                       sup_weight=0.5, unsup_weight=0.5),
                   unsup_loss=dict(type='PseudoLabelCrossEntropyLoss',
                                   threshold=0.0))
    assert not hasattr(model, 'teacher')
    assert model.semi_test_cfg['predict_on'] == 'student'
    with pytest.raises(ValueError, match='needs a teacher'):
        model._check_predict_on('teacher')
    model.eval()  # BN with running stats: each image independent
    inputs, samples = _batch()
    inputs['unsup_student'] = inputs['unsup_teacher'].clone()
    losses = model.loss(inputs, samples)
    # the strong view is the weak one: the loss is the CE of the student's
    # logits against its own argmax, over the valid pixels, times 0.5
    logits = model.logits(model.student, inputs['unsup_teacher'])
    valid = model.valid_masks(samples['unsup_teacher'], SIZE,
                              torch.device('cpu'))
    expected, kept = pseudo_label_cross_entropy(logits, logits.softmax(1),
                                                valid, 0.0)
    assert losses['unsup.loss_pseudo'].item() == pytest.approx(
        0.5 * expected.item(), rel=1e-5)
    assert losses['unsup.kept_ratio'].item() == kept.item() == 1.0
    sup_only = model.student.loss(inputs['sup'], samples['sup'])
    assert losses['sup.decode.loss_ce'].item() == pytest.approx(
        0.5 * sup_only['decode.loss_ce'].item(), rel=1e-5)


@pytest.mark.parametrize('teacher', ['student', 'ema'])
def test_sup_and_weak_without_the_supervised_loss(teacher):
    """with_sup_loss=False (the display tool's path) returns no loss and the
    same weak-view probabilities, the labelled crops still sharing the
    batch-norm statistics in training mode."""
    model = _build(semi_train_cfg=dict(teacher=teacher, mix=None))
    model.train()
    inputs, samples = _batch()
    losses, probs, _ = model.sup_and_weak(inputs['sup'], samples['sup'],
                                          inputs['unsup_teacher'])
    none, probs_only, _ = model.sup_and_weak(
        inputs['sup'], samples['sup'], inputs['unsup_teacher'],
        with_sup_loss=False)
    assert 'decode.loss_ce' in losses and none == {}
    assert torch.allclose(probs, probs_only, atol=1e-6)
    if teacher == 'student':  # weak views alone: other batch statistics
        alone = model.logits(model.student,
                             inputs['unsup_teacher']).softmax(1)
        assert not torch.allclose(alone, probs_only, atol=1e-3)


def test_predict_on_switches_between_models_and_load_fills_both():
    model = _build(semi_train_cfg=dict(teacher='ema'))
    model.eval()
    with torch.no_grad():
        for p in model.teacher.parameters():
            p.mul_(0.5)
    x = torch.randn(1, 3, *SIZE)
    meta = [dict(img_shape=SIZE, ori_shape=SIZE, pad_shape=SIZE,
                 padding_size=[0, 0, 0, 0])]
    model.semi_test_cfg['predict_on'] = 'teacher'
    t = model.encode_decode(x, meta)
    model.semi_test_cfg['predict_on'] = 'student'
    s = model.encode_decode(x, meta)
    assert not torch.allclose(t, s)
    plain = model.student.state_dict()
    fresh = _build(semi_train_cfg=dict(teacher='ema'))
    fresh.load_state_dict(plain)  # a supervised checkpoint
    for name, value in plain.items():
        assert torch.equal(fresh.student.state_dict()[name], value)
        assert torch.equal(fresh.teacher.state_dict()[name], value)


def test_bad_configs_are_rejected():
    with pytest.raises(ValueError, match='teacher must be one of'):
        _build(semi_train_cfg=dict(teacher='peer'))
    with pytest.raises(ValueError, match='mix must be'):
        _build(semi_train_cfg=dict(mix='mixup'))
    with pytest.raises(ValueError, match='unknown keys'):
        _build(semi_train_cfg=dict(sup_wieght=1.0))
    with pytest.raises(ValueError, match='mix_area: area_range'):
        _build(semi_train_cfg=dict(mix='cutmix_seg', mix_area=(0.5, 0.1)))
    with pytest.raises(ValueError, match='mix_boxes / mix_area: num_boxes'):
        _build(semi_train_cfg=dict(mix='cutmix_seg', mix_boxes=0))
    with pytest.raises(ValueError, match="UniMatch uses the student"):
        _build('UniMatch', semi_train_cfg=dict(teacher='ema'))
    model = _build(semi_train_cfg=dict(teacher='student'))
    with pytest.raises(TypeError, match='multi-branch'):
        model.loss(torch.zeros(1, 3, *SIZE), [])
    inputs, samples = _batch()
    del inputs['unsup_student']
    with pytest.raises(KeyError, match='unsup_student'):
        model.loss(inputs, samples)


def test_unimatch_streams():
    model = _build('UniMatch', unsup_loss=dict(
        type='PseudoLabelCrossEntropyLoss', threshold=0.0),
        semi_train_cfg=dict(mix='cutmix', mix_prob=1.0))
    model.train()
    inputs, samples = _batch(strong=('unsup_student', 'unsup_student2'))
    losses = model.loss(inputs, samples)
    assert {'sup.decode.loss_ce', 'unsup.loss_pseudo_s1',
            'unsup.loss_pseudo_s2', 'fp.loss_pseudo',
            'unsup.kept_ratio'} <= set(losses)
    total = sum(v for k, v in losses.items() if 'loss' in k)
    total.backward()
    # without dropout the perturbed stream is the clean one: its loss is
    # the CE of the weak logits against their own argmax
    model.zero_grad()
    model.semi_train_cfg['fp_dropout'] = 0.0
    _, probs, fp_logits = model.sup_and_weak(
        inputs['sup'], samples['sup'], inputs['unsup_teacher'], 0.0)
    assert torch.allclose(fp_logits.softmax(1), probs, atol=1e-5)
    _, probs_d, fp_d = model.sup_and_weak(
        inputs['sup'], samples['sup'], inputs['unsup_teacher'], 0.5)
    assert not torch.allclose(fp_d.softmax(1), probs_d, atol=1e-3)


def test_cps_cross_losses_match_a_manual_computation():
    model = _build('CPS', semi_train_cfg=dict(mix=None, unsup_weight=2.0))
    assert all(p.requires_grad for p in model.teacher.parameters())
    # different random decode heads
    assert not torch.equal(model.student.decode_head.conv_seg.weight,
                           model.teacher.decode_head.conv_seg.weight)
    model.eval()  # deterministic BN for the comparison
    inputs, samples = _batch()
    inputs['unsup_student'] = inputs['unsup_teacher']
    losses = model.loss(inputs, samples)
    assert {'sup.decode.loss_ce', 'sup_peer.decode.loss_ce',
            'unsup.loss_pseudo'} <= set(losses)
    x = inputs['unsup_teacher']
    valid = model.valid_masks(samples['unsup_teacher'], SIZE,
                              torch.device('cpu'))
    l1 = model.logits(model.student, x)
    l2 = model.logits(model.teacher, x)
    a, _ = pseudo_label_cross_entropy(l1, l2.softmax(1), valid, 0.0)
    b, _ = pseudo_label_cross_entropy(l2, l1.softmax(1), valid, 0.0)
    assert losses['unsup.loss_pseudo'].item() == pytest.approx(
        2.0 * (a + b).item(), rel=1e-5)
    losses['unsup.loss_pseudo'].backward()
    assert model.student.decode_head.conv_seg.weight.grad.abs().sum() > 0
    assert model.teacher.decode_head.conv_seg.weight.grad.abs().sum() > 0


def test_cps_cutmix_seg_boxes_move_images_and_labels_together():
    # one box covering the whole image: every image becomes its partner,
    # and each network learns the other's labels of that partner
    model = _build('CPS', semi_train_cfg=dict(
        mix='cutmix_seg', mix_boxes=1, mix_area=(1.0, 1.0), unsup_weight=1.0))
    model.eval()
    inputs, samples = _batch()
    inputs['unsup_student'] = inputs['unsup_teacher']
    losses = model.loss(inputs, samples)
    x = inputs['unsup_teacher']
    partner = torch.roll(torch.arange(x.shape[0]), -1)
    valid = model.valid_masks(samples['unsup_teacher'], SIZE,
                              torch.device('cpu'))[partner]
    l1 = model.logits(model.student, x[partner])
    l2 = model.logits(model.teacher, x[partner])
    a, _ = pseudo_label_cross_entropy(l1, l2.softmax(1), valid, 0.0)
    b, _ = pseudo_label_cross_entropy(l2, l1.softmax(1), valid, 0.0)
    assert losses['unsup.loss_pseudo'].item() == pytest.approx(
        (a + b).item(), rel=1e-5)
