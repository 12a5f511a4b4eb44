"""PseudoLabelVisualizer: the stage row of the image-tag dashboard."""
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmlabeleff.visualization import PseudoLabelVisualizer

CLASSES = ['a', 'b', 'c']
PALETTE = [[255, 0, 0], [0, 255, 0], [0, 0, 255]]


def _vis(**kwargs):
    return PseudoLabelVisualizer(name=f'plv{id(kwargs)}{len(kwargs)}',
                                 classes=CLASSES, palette=PALETTE, **kwargs)


def _sample(h=8, w=10, fields=('pred_sem_seg', 'rw_sem_seg', 'crf_sem_seg',
                                'gt_sem_seg')):
    sample = SegDataSample(metainfo=dict(cam_labels=[0, 2]))
    cams = torch.zeros(2, h, w)
    cams[0, :, :w // 2] = 1.0
    cams[1, :, w // 2:] = 0.5
    sample.cams = PixelData(data=cams)
    label = torch.zeros(1, h, w, dtype=torch.long)
    label[0, :, w // 2:] = 2
    for field in fields:
        sample.set_field(PixelData(data=label.clone()), field)
    return sample


def test_draw_stages_has_one_titled_panel_per_stage():
    vis = _vis()
    image = np.full((8, 10, 3), 100, np.uint8)
    row = vis.draw_stages(image, _sample())
    # image, 2 CAMs, seed, random walk, CRF, ground truth
    assert row.shape == (8 + vis.TITLE_HEIGHT, 7 * 10, 3)
    titles = [t for t, _ in vis.stage_panels(image, _sample())]
    assert titles == ['image', 'CAM a', 'CAM c', 'seed', 'random walk', 'CRF',
                      'ground truth']
    only_gt = [t for t, _ in vis.stage_panels(image, _sample(fields=('gt_sem_seg', )))]
    assert only_gt == ['image', 'CAM a', 'CAM c', 'ground truth']


def test_cam_heat_map_is_hot_where_the_cam_is_high():
    vis = _vis(cam_alpha=1.0)
    image = np.zeros((4, 4, 3), np.uint8)
    cam = np.zeros((4, 4), np.float32)
    cam[:, 2:] = 1.0
    heat = vis.draw_cam(image, cam)
    # jet: 1 is dark red, 0 dark blue
    assert heat[0, 3, 0] > 100 and heat[0, 3, 2] < 50
    assert heat[0, 0, 2] > 100 and heat[0, 0, 0] < 50
    with pytest.raises(ValueError, match='cam_alpha'):
        _vis(cam_alpha=1.5)


def test_add_datasample_writes_the_row_or_falls_back(tmp_path):
    vis = _vis()
    image = np.full((8, 10, 3), 50, np.uint8)
    vis.add_datasample('x', image, _sample(), out_file=str(tmp_path / 'row.png'))
    from PIL import Image
    assert Image.open(tmp_path / 'row.png').size == (70, 8 + vis.TITLE_HEIGHT)
    plain = SegDataSample()
    plain.gt_sem_seg = PixelData(data=torch.zeros(1, 8, 10, dtype=torch.long))
    vis.add_datasample('y', image, plain, out_file=str(tmp_path / 'plain.png'))
    assert Image.open(tmp_path / 'plain.png').size == (10, 8)  # the parent's picture
