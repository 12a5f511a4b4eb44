"""CAMClassifier: multi-label loss, multi-scale + flip CAMs of the tags."""
import pytest
import torch
from mmseg.structures import SegDataSample

import mmlabeleff.models  # noqa: F401
from mmlabeleff.registry import MODELS


def _model(background_index=None, scales=(1.0, 0.5), num_classes=4):
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='CAMClassifier',
        data_preprocessor=dict(type='mmseg.SegDataPreProcessor',
                               mean=[0., 0., 0.], std=[1., 1., 1.]),
        backbone=dict(type='EfficientNetLite', out_indices=(5, ), out_stride=16,
                      init_cfg=dict(type='Pretrained',
                                    checkpoint='efficientnet-lite0')),
        decode_head=dict(type='CAMHead', in_channels=1280, num_classes=num_classes,
                         background_index=background_index),
        test_cfg=dict(scales=scales)))
    # ReLU6 features and positive weights: CAMs are positive somewhere
    model.init_weights()
    model.decode_head.conv_seg.weight.data.abs_()
    return model.eval()


def _sample(tags, shape=(37, 50)):
    sample = SegDataSample(metainfo=dict(img_shape=shape, ori_shape=shape,
                                         img_path='x.png'))
    if tags is not None:
        sample.set_data(dict(gt_image_labels=torch.tensor(tags, dtype=torch.float32)))
    return sample


def test_predict_cams_of_the_tags_at_both_sizes():
    model = _model()
    image = torch.rand(1, 3, 37, 50)
    with torch.no_grad():
        out = model.predict(image, [_sample([0, 1, 0, 1])])[0]
    assert out.cam_labels == [1, 3]
    assert out.cams.data.shape == (2, 37, 50)
    assert out.strided_cams.data.shape == (2, 10, 13)  # ceil(size / 4)
    peaks = out.cams.data.flatten(1).max(1).values
    assert (peaks <= 1).all() and (peaks > 0.99).all()  # max / (max + 1e-5)
    assert set(out.pred_sem_seg.data.unique().tolist()) <= {1, 3}


def test_flip_makes_the_cams_mirror_symmetric_in_expectation():
    model = _model(scales=(1.0, ))
    image = torch.rand(1, 3, 32, 48)
    cam = model.scale_cams(image, 1.0)
    mirrored = model.scale_cams(image.flip(-1), 1.0)
    assert torch.allclose(cam, mirrored.flip(-1), atol=1e-5)


def test_background_class_has_no_cam_and_seed_uses_the_plane():
    model = _model(background_index=0)
    out = model.predict(torch.rand(1, 3, 32, 32), [_sample([1, 0, 1, 0])])[0]
    assert out.cam_labels == [2]  # the background tag is not a CAM class
    seed = out.pred_sem_seg.data
    assert set(seed.unique().tolist()) <= {0, 2}
    expected = torch.where(out.cams.data[0] > 0.15, 2, 0)
    assert torch.equal(seed[0], expected)


def test_untagged_image_uses_positive_logits_and_loss():
    model = _model()
    out = model.predict(torch.rand(1, 3, 32, 32), [_sample(None, (32, 32))])[0]
    assert len(out.cam_labels) >= 1
    model.train()
    losses = model.loss(torch.rand(2, 3, 32, 32),
                        [_sample([1, 0, 0, 1], (32, 32)),
                         _sample([0, 1, 1, 0], (32, 32))])
    assert set(losses) == {'loss_cls', 'acc_cls'} and losses['loss_cls'] > 0
    with pytest.raises(ValueError, match='scales'):
        MODELS.build(dict(type='CAMClassifier',
                          backbone=dict(type='EfficientNetLite', init_cfg=None),
                          decode_head=dict(type='CAMHead', in_channels=320,
                                           num_classes=2),
                          test_cfg=dict(scales=())))
