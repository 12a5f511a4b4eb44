"""IRNet: loss on confident labels, random-walk (+ CRF) pseudo masks."""
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

import mmlabeleff.models  # noqa: F401
from mmlabeleff.registry import MODELS


def _model(background_index=None, crf=True):
    torch.manual_seed(0)
    return MODELS.build(dict(
        type='IRNet',
        data_preprocessor=dict(type='mmseg.SegDataPreProcessor',
                               mean=[127., 127., 127.], std=[128., 128., 128.]),
        backbone=dict(type='EfficientNetLite', out_indices=(1, 2, 3),
                      init_cfg=None),
        decode_head=dict(type='IRNHead', in_channels=(24, 40, 112),
                         in_strides=(4, 8, 16), radius=2.9,
                         background_index=background_index),
        test_cfg=dict(rw_radius=2.9, exp_times=3,
                      crf=dict(type='DenseCRFRefiner', preset='irn', num_iters=2)
                      if crf else None))).eval()


def _sample(shape=(30, 41), ori=None, labels=(2, 5)):
    h, w = shape
    sample = SegDataSample(metainfo=dict(img_shape=shape, ori_shape=ori or shape,
                                         cam_labels=list(labels), img_path='x.png'))
    cams = torch.zeros(len(labels), (h + 3) // 4, (w + 3) // 4)
    if labels:
        cams[0, :, :5] = 1.0
        cams[-1, :, 6:] = 0.8
    sample.strided_cams = PixelData(data=cams)
    return sample


def test_predict_writes_rw_and_crf_masks():
    model = _model()
    out = model.predict(torch.rand(1, 3, 30, 41) * 2 - 1, [_sample()])[0]
    rw, crf = out.pred_sem_seg.data[0], out.crf_sem_seg.data[0]
    assert rw.shape == crf.shape == (30, 41)
    assert set(rw.unique().tolist()) <= {2, 5, 255}
    assert (rw[:, :12] == 2).float().mean() > 0.9  # the left CAM's region
    assert (rw[:, 28:] == 5).float().mean() > 0.9
    assert set(crf.unique().tolist()) <= {2, 5, 255}
    assert out.boundary.data.shape == (1, 8, 11)


def test_predict_resizes_to_the_original_size_and_handles_no_tags():
    model = _model(background_index=0, crf=False)
    out = model.predict(torch.rand(1, 3, 30, 41), [_sample(ori=(60, 82))])[0]
    assert out.pred_sem_seg.data.shape == (1, 60, 82)
    assert 'crf_sem_seg' not in out
    empty = model.predict(torch.rand(1, 3, 30, 41), [_sample(labels=())])[0]
    assert (empty.pred_sem_seg.data == 0).all()  # all background


def test_predict_needs_strided_cams_and_loss_runs():
    model = _model()
    sample = SegDataSample(metainfo=dict(img_shape=(32, 32), img_path='y.png'))
    with pytest.raises(KeyError, match='y.png.*LoadCAMDump'):
        model.predict(torch.rand(1, 3, 32, 32), [sample])
    model.train()
    train = SegDataSample()
    label = torch.full((1, 48, 48), 255, dtype=torch.long)
    label[0, :, :20], label[0, :, 28:] = 1, 3
    train.gt_sem_seg = PixelData(data=label)
    losses = model.loss(torch.rand(1, 3, 48, 48), [train])
    assert set(losses) == {'loss_pos_aff', 'loss_neg_aff', 'loss_dp_fg', 'loss_dp_bg'}
    total = sum(losses.values())
    total.backward()
    assert model.decode_head.edge_out.weight.grad.abs().sum() > 0
    assert all(p.grad is None for p in model.backbone.parameters())


@pytest.mark.parametrize('test_cfg, message', [
    (dict(beta=-1), 'beta'), (dict(exp_times=40), 'log_t'),
    (dict(rw_radius=0), 'radius'),
    (dict(sem_seg_bg_thres=2), 'sem_seg_bg_thres')])
def test_absurd_test_cfg_is_rejected(test_cfg, message):
    with pytest.raises(ValueError, match=message):
        MODELS.build(dict(type='IRNet',
                          backbone=dict(type='EfficientNetLite', out_indices=(1, ),
                                        init_cfg=None),
                          decode_head=dict(type='IRNHead', in_channels=(24, ),
                                           in_strides=(4, )),
                          test_cfg=test_cfg))
    with pytest.raises(ValueError, match='radius'):
        MODELS.build(dict(type='IRNHead', in_channels=(8, ), in_strides=(4, ),
                          radius=0))
