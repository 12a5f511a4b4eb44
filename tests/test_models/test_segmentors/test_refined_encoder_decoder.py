"""Tests of RefinedEncoderDecoder: EncoderDecoder + test-time refiner."""
import copy

import pytest
import torch
from mmengine.config import ConfigDict
from mmengine.registry import DefaultScope
from mmseg.models.segmentors import EncoderDecoder
from mmseg.structures import SegDataSample

from mmlabeleff.models.pseudo_labelers import DenseCRFRefiner
from mmlabeleff.models.segmentors import RefinedEncoderDecoder
from mmlabeleff.registry import MODELS

NUM_CLASSES = 5
IMG_H, IMG_W = 30, 45  # padded to 32 x 48 by size_divisor=16
ORI_SHAPE = (60, 90)  # as if the test pipeline had resized by 0.5


@pytest.fixture(autouse=True)
def _mmlabeleff_scope():
    # unprefixed types (EfficientNetLite, DenseCRFRefiner) as in configs
    with DefaultScope.overwrite_default_scope('mmlabeleff'):
        yield


def tiny_model_cfg(type='RefinedEncoderDecoder', refiner=None):
    """The CamVid DeepLabV3+ model (configs/_base_/models), shrunk."""
    norm_cfg = dict(type='BN', requires_grad=True)
    test_cfg = dict(mode='whole')
    if refiner is not None:
        test_cfg['refiner'] = refiner
    return ConfigDict(
        type=type,
        data_preprocessor=dict(
            type='mmseg.SegDataPreProcessor',
            mean=[127.0, 127.0, 127.0],
            std=[128.0, 128.0, 128.0],
            bgr_to_rgb=True,
            pad_val=0,
            seg_pad_val=255,
            test_cfg=dict(size_divisor=16)),
        backbone=dict(type='EfficientNetLite', arch='lite0',
                      out_indices=(1, 2, 3, 4), norm_cfg=norm_cfg),
        decode_head=dict(
            type='mmseg.DepthwiseSeparableASPPHead', in_channels=320,
            in_index=3, channels=16, dilations=(1, 2), c1_in_channels=24,
            c1_channels=8, dropout_ratio=0.0, num_classes=NUM_CLASSES,
            norm_cfg=norm_cfg, align_corners=False,
            loss_decode=dict(type='mmseg.CrossEntropyLoss')),
        train_cfg=dict(),
        test_cfg=test_cfg)


REFINER = dict(type='DenseCRFRefiner', preset='pydensecrf', bilateral_sxy=10,
               num_iters=3)


def build(**kwargs):
    torch.manual_seed(0)
    return MODELS.build(tiny_model_cfg(**kwargs)).eval()


def make_batch():
    g = torch.Generator().manual_seed(0)
    images, samples = [], []
    for _ in range(2):
        images.append(torch.randint(0, 256, (3, IMG_H, IMG_W), generator=g,
                                    dtype=torch.uint8))
        samples.append(SegDataSample(metainfo=dict(
            ori_shape=ORI_SHAPE, img_shape=(IMG_H, IMG_W),
            scale_factor=(0.5, 0.5))))
    return dict(inputs=images, data_samples=samples)


def test_is_registered_and_builds_the_refiner():
    model = build(refiner=REFINER)
    assert isinstance(model, RefinedEncoderDecoder)
    assert isinstance(model, EncoderDecoder)
    assert isinstance(model.refiner, DenseCRFRefiner) and model.with_refiner
    assert model.refiner.crf_params['bilateral_sxy'] == 10.0
    assert not build().with_refiner


def test_without_refiner_equals_mmseg_encoder_decoder():
    model = build()
    reference = build(type='mmseg.EncoderDecoder')
    reference.load_state_dict(model.state_dict())
    with torch.no_grad():
        ours = model.test_step(make_batch())
        theirs = reference.test_step(make_batch())
    for a, b in zip(ours, theirs):
        assert torch.equal(a.seg_logits.data, b.seg_logits.data)
        assert torch.equal(a.pred_sem_seg.data, b.pred_sem_seg.data)


def test_recovered_images_equal_the_originals():
    model = build(refiner=REFINER)
    batch = make_batch()
    data = model.data_preprocessor(copy.deepcopy(batch), training=False)
    assert data['inputs'].shape == (2, 3, 32, 48)  # padded
    recovered = model.recover_images(data['inputs'])
    assert recovered.dtype == torch.uint8
    assert torch.equal(recovered[:, :, :IMG_H, :IMG_W],
                       torch.stack(batch['inputs']))


def test_refiner_runs_on_unpadded_images_and_changes_logits():
    model = build(refiner=REFINER)
    plain = build()
    plain.load_state_dict(model.state_dict())
    calls = []
    refiner = model.refiner

    def spy(seg_logits, images):
        calls.append((seg_logits.clone(), images.clone()))
        return refiner(seg_logits, images)

    model.refiner = spy
    batch = make_batch()
    with torch.no_grad():
        results = model.test_step(copy.deepcopy(batch))
        unrefined = plain.test_step(copy.deepcopy(batch))
        data = model.data_preprocessor(copy.deepcopy(batch), training=False)
        logits = plain.inference(
            data['inputs'], [s.metainfo for s in data['data_samples']])
    assert len(calls) == 2
    for i, (seg_logits, images) in enumerate(calls):
        assert seg_logits.shape == (1, NUM_CLASSES, IMG_H, IMG_W)
        assert torch.equal(seg_logits, logits[i:i + 1, :, :IMG_H, :IMG_W])
        assert torch.equal(images[0], batch['inputs'][i])
    for result, before in zip(results, unrefined):
        assert result.pred_sem_seg.shape == ORI_SHAPE
        assert result.seg_logits.data.shape == (NUM_CLASSES, *ORI_SHAPE)
        assert not torch.allclose(result.seg_logits.data,
                                  before.seg_logits.data, atol=1e-3)
        # refined log-probabilities, bilinearly resized: exp sums to ~one
        total = result.seg_logits.data.logsumexp(0)
        assert (total < 1e-5).all() and (total > -0.05).all()
        assert torch.equal(result.pred_sem_seg.data[0],
                           result.seg_logits.data.argmax(0))


def test_refine_matches_the_refiner_and_keeps_the_padding():
    model = build(refiner=REFINER)
    with torch.no_grad():
        data = model.data_preprocessor(make_batch(), training=False)
        metas = [s.metainfo for s in data['data_samples']]
        logits = EncoderDecoder.inference(model, data['inputs'], metas)
        refined = model.refine(logits, data['inputs'], metas)
        assert torch.equal(model.inference(data['inputs'], metas), refined)
    images = torch.stack(make_batch()['inputs'])
    expected = model.refiner(logits[:, :, :IMG_H, :IMG_W], images)
    torch.testing.assert_close(refined[:, :, :IMG_H, :IMG_W],
                               expected.clamp(min=1e-8).log())
    torch.testing.assert_close(refined[:, :, IMG_H:],
                               logits.log_softmax(1)[:, :, IMG_H:])


def test_predict_without_data_samples():
    model = build(refiner=REFINER)
    inputs = torch.randn(2, 3, 32, 48)
    with torch.no_grad():
        results = model.predict(inputs)
    assert [r.pred_sem_seg.shape for r in results] == [(32, 48)] * 2
