"""BLPSeg segmentor: the image reaches the head; every recipe trains."""
from pathlib import Path

import pytest
import torch
from mmengine.config import Config, ConfigDict
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmlabeleff.registry import MODELS
from mmlabeleff.testing.script_loader import REPO_ROOT
from mmlabeleff.testing.tiny_configs import shrink_weak_recipe

MODEL_CFG = REPO_ROOT / 'configs/_base_/models/blpseg_efflite0.py'
CAMVID_RECIPES = sorted((REPO_ROOT / 'configs/blpseg').glob('*camvid*.py'))


def _model(**head):
    init_default_scope('mmlabeleff')
    cfg = Config.fromfile(str(MODEL_CFG)).model
    cfg.backbone.init_cfg = None
    cfg.decode_head.channels = 16
    cfg.decode_head.update(head)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def _samples(num, size):
    samples = []
    for index in range(num):
        label = torch.full((1, *size), 254)
        label[0, 10, 4:30] = index % 11
        label[0, 20, 4:30] = 3
        sample = SegDataSample(gt_sparse_seg=PixelData(data=label))
        sample.set_metainfo(dict(img_shape=size, pad_shape=size))
        samples.append(sample)
    return samples


def test_extract_feat_appends_the_image():
    model = _model().eval()
    image = torch.randn(1, 3, 32, 32)
    feats = model.extract_feat(image)
    assert len(feats) == 5 and feats[-1] is image


def test_loss_and_predict():
    model = _model()
    model.train()
    losses = model.loss(torch.randn(2, 3, 32, 32), _samples(2, (32, 32)))
    assert set(losses) == {'decode.loss_scribble', 'decode.loss_blp',
                           'decode.acc_seg'}
    model.eval()
    with torch.no_grad():
        out = model.predict(torch.randn(1, 3, 36, 48))
    assert out[0].seg_logits.data.shape == (11, 36, 48)


def test_slide_inference_passes_each_crop():
    model = _model()
    model.test_cfg = ConfigDict(mode='slide', crop_size=(32, 32),
                                stride=(16, 16))
    model.eval()
    with torch.no_grad():
        out = model.predict(torch.randn(1, 3, 40, 56))
    assert out[0].pred_sem_seg.data.shape == (1, 40, 56)


@pytest.mark.parametrize('path', CAMVID_RECIPES, ids=lambda p: p.name)
def test_recipe_trains_on_tiny_data(path: Path, camvid_tiny_root,
                                    camvid_tiny_weak_root, tmp_path):
    cfg = shrink_weak_recipe(Config.fromfile(str(path)), camvid_tiny_root,
                             camvid_tiny_weak_root, tmp_path)
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert (tmp_path / 'iter_2.pth').is_file()
    scalars = runner.message_hub.log_scalars
    loss = scalars['train/loss'].current()
    assert loss == loss and loss < 1e4  # finite
    assert 'val/mIoU' in scalars


@pytest.mark.parametrize('path', sorted((REPO_ROOT / 'configs/blpseg').glob('*.py')),
                         ids=lambda p: p.name)
def test_regularizer_denormalises_like_the_preprocessor(path: Path):
    cfg = Config.fromfile(str(path))
    regs = cfg.model.decode_head.get('loss_regularizer') or []
    regs = [regs] if isinstance(regs, dict) else regs
    pre = cfg.model.data_preprocessor
    for reg in regs:
        assert list(reg['mean']) == list(pre.mean)
        assert list(reg['std']) == list(pre.std)
        assert pre.bgr_to_rgb  # DenseCRFLoss expects RGB inputs
