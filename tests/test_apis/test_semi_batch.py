"""The drawing of a semi-supervised step: de-normalisation, pseudo-label
maps, the model's ``student_targets`` and the views of a batch."""
import copy

import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmlabeleff.apis import normalized_to_rgb, pseudo_label_map, semi_batch_views
from mmlabeleff.registry import MODELS
from mmlabeleff.structures import IGNORE_INDEX

pytest.importorskip('mmdet')
SIZE = (32, 32)


def _model(type_='SemiBaseSegmentor', **kwargs):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from mmlabeleff.testing.script_loader import REPO_ROOT
    init_default_scope('mmlabeleff')
    cfg = Config.fromfile(
        str(REPO_ROOT / 'configs/_base_/models/deeplabv3plus_efflite0.py'))
    seg = cfg.model
    seg.backbone.init_cfg = None
    seg.decode_head.update(channels=16, c1_channels=8, dropout_ratio=0.0)
    seg.data_preprocessor.size = SIZE
    torch.manual_seed(0)
    model = MODELS.build(dict(type=type_, segmentor=seg.to_dict(), **kwargs))
    model.init_weights()
    return model


def _batch(num=2, padding=(0, 0, 0, 0), seed=0):
    """A collated multi-branch batch as the dataloader gives it (uint8 BGR
    images, one labelled and one unlabelled list per branch)."""
    gen = torch.Generator().manual_seed(seed)

    def sample(label=None):
        s = SegDataSample()
        if label is not None:
            s.gt_sem_seg = PixelData(data=label[None])
        s.set_metainfo(dict(img_shape=SIZE, ori_shape=SIZE,
                            img_path=f'/x/img{seed}.png'))
        return s

    images = [torch.randint(0, 256, (3, *SIZE), generator=gen,
                            dtype=torch.uint8) for _ in range(num)]
    labels = [torch.randint(0, 11, SIZE, generator=gen) for _ in range(num)]
    strong = [(img.float() * 0.8).to(torch.uint8) for img in images]
    return dict(
        inputs=dict(sup=images, unsup_teacher=copy.deepcopy(images),
                    unsup_student=strong),
        data_samples=dict(sup=[sample(lab) for lab in labels],
                          unsup_teacher=[sample() for _ in images],
                          unsup_student=[sample() for _ in images]))


def test_normalized_to_rgb_undoes_the_preprocessor():
    model = _model()
    batch = _batch()
    data = model.data_preprocessor(batch, True)
    rgb = normalized_to_rgb(data['inputs']['unsup_teacher'],
                            model.data_preprocessor)
    for got, bgr in zip(rgb, batch['inputs']['unsup_teacher']):
        expected = bgr.numpy()[::-1].transpose(1, 2, 0)
        assert got.dtype == np.uint8 and got.shape == (*SIZE, 3)
        assert np.abs(got.astype(int) - expected).max() <= 1


def test_pseudo_label_map_drops_unconfident_and_padded_pixels():
    probs = torch.tensor([[[0.9, 0.2], [0.5, 0.96]],
                          [[0.1, 0.8], [0.5, 0.04]]])
    valid = torch.tensor([[True, True], [True, False]])
    labels, share = pseudo_label_map(probs, valid, threshold=0.85)
    assert labels.tolist() == [[0, IGNORE_INDEX], [IGNORE_INDEX,
                                                   IGNORE_INDEX]]
    assert share == pytest.approx(1 / 3)
    labels, share = pseudo_label_map(probs, valid, threshold=0.0)
    assert labels.tolist() == [[0, 1], [0, IGNORE_INDEX]] and share == 1.0


def test_student_targets_without_mixing_are_the_teacher_softmax():
    model = _model(semi_train_cfg=dict(mix=None))
    model.eval()
    data = model.data_preprocessor(_batch(), True)
    inputs, samples = data['inputs'], data['data_samples']
    targets = model.student_targets(inputs, samples)
    expected = model.logits(model.teacher,
                            inputs['unsup_teacher']).softmax(1)
    assert torch.allclose(targets['probs'], expected, atol=1e-6)
    (image, probs, valid), = targets['views']
    assert torch.equal(image, inputs['unsup_student'])
    assert torch.equal(probs, targets['probs'])
    assert valid.all() and model.unsup_threshold == 0.95


def test_student_targets_mix_image_and_target_with_one_mask():
    model = _model(semi_train_cfg=dict(mix='cutmix', mix_prob=1.0))
    model.eval()
    data = model.data_preprocessor(_batch(), True)
    inputs, samples = data['inputs'], data['data_samples']
    torch.manual_seed(3)
    targets = model.student_targets(inputs, samples)
    (image, probs, _), = targets['views']
    strong, weak_probs = inputs['unsup_student'], targets['probs']
    from_partner = (image != strong).any(1)  # (N, H, W)
    assert from_partner.any() and not from_partner.all()
    # where the image came from the partner (batch of 2: the other one),
    # so did the target, and elsewhere both are the image's own
    partner = torch.tensor([1, 0])
    for n in range(2):
        own = ~from_partner[n]
        assert torch.equal(probs[n][:, own], weak_probs[n][:, own])
        took = from_partner[n]
        assert torch.equal(probs[n][:, took],
                           weak_probs[partner[n]][:, took])


def test_cps_targets_are_the_peer_labels():
    model = _model('CPS', semi_train_cfg=dict(mix=None))
    model.eval()
    # freshly initialised heads are near uniform: give the peer a prior
    with torch.no_grad():
        model.teacher.decode_head.conv_seg.bias.copy_(torch.arange(11.))
    data = model.data_preprocessor(_batch(), True)
    inputs = data['inputs']
    targets = model.student_targets(inputs, data['data_samples'])
    peer = model.logits(model.teacher, inputs['unsup_teacher']).softmax(1)
    own = model.logits(model.student, inputs['unsup_teacher']).softmax(1)
    assert torch.allclose(targets['probs'], peer, atol=1e-6)
    assert (targets['probs'] - own).abs().max() > 0.1
    assert model.unsup_threshold == 0.0


def test_views_of_a_batch_and_a_non_semi_model_is_refused():
    model = _model('UniMatch')
    batch = _batch()
    batch['inputs']['unsup_student2'] = batch['inputs']['unsup_student']
    batch['data_samples']['unsup_student2'] = batch['data_samples'][
        'unsup_student']
    model.train()
    pictures = semi_batch_views(model, batch)
    assert len(pictures) == 2
    stem, views = pictures[0]
    assert stem == 'img0'
    names = [v[0] for v in views]
    assert names[0] == 'sup' and names[1].startswith('weak ')
    assert names[2].startswith('strong mixed ')
    assert names[3].startswith('strong2 mixed ')
    assert all(name.endswith('% kept') for name in names[1:])
    for _, image, sample in views[1:]:
        assert image.shape == (*SIZE, 3)
        assert sample.gt_sem_seg.data.shape == (1, *SIZE)
    with pytest.raises(TypeError, match='not a semi-supervised'):
        semi_batch_views(model.student, batch)
