"""WeakSegLocalVisualizer: every label type drawn on synthetic samples, the
gt | prediction layout, the registry and mmseg's SegVisualizationHook."""
import itertools
import os

import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData, PixelData
from mmseg.structures import SegDataSample

from mmlabeleff.visualization import (
    WeakSegLocalVisualizer,
    label_types_of,
    packed_inputs_to_rgb,
    sparse_display_map,
)

CLASSES = ('background', 'road', 'car')
PALETTE = [[0, 0, 0], [220, 20, 60], [0, 0, 230]]
H, W = 120, 160
GREY = 200
_names = itertools.count()


@pytest.fixture
def vis():
    """A fresh headless visualizer with a three-class palette."""
    return WeakSegLocalVisualizer(
        name=f'test_weak_vis_{next(_names)}', classes=CLASSES,
        palette=PALETTE, alpha=0.5)


def _image():
    return np.full((H, W, 3), GREY, dtype=np.uint8)


def _near(pixels, color, tol=40):
    return np.abs(np.asarray(pixels, int) - color).max(axis=-1) < tol


def _sample(supervision=None, **fields):
    sample = SegDataSample(
        metainfo={} if supervision is None else dict(supervision=supervision))
    for key in ('sparse', 'dense', 'pred'):
        if key in fields:
            field = dict(sparse='gt_sparse_seg', dense='gt_sem_seg',
                         pred='pred_sem_seg')[key]
            sample.set_data({field: PixelData(data=torch.as_tensor(
                fields[key][None], dtype=torch.long))})
    if 'points' in fields:
        points, labels = fields['points']
        sample.gt_points = InstanceData(
            points=torch.tensor(points, dtype=torch.float32),
            labels=torch.tensor(labels, dtype=torch.long))
    for key, field in (('boxes', 'gt_instances'),
                       ('ignored_boxes', 'ignored_instances')):
        if key in fields:
            boxes, labels = fields[key]
            sample.set_data({field: InstanceData(
                bboxes=torch.tensor(boxes, dtype=torch.float32),
                labels=torch.tensor(labels, dtype=torch.long))})
    if 'tags' in fields:
        sample.gt_image_labels = torch.tensor(fields['tags'],
                                              dtype=torch.float32)
    return sample


def _scribble_map():
    sparse = np.full((H, W), 254, dtype=np.int64)
    sparse[60, 20:100] = 1  # a 1-px horizontal scribble of 'road'
    sparse[20:50, 130] = 2  # a 1-px vertical scribble of 'car'
    sparse[:, 150:] = 255  # padding
    return sparse


def test_label_types_of():
    assert label_types_of(SegDataSample()) == ['none']
    assert label_types_of(_sample('unlabeled', tags=[1., 0., 0.])) == ['none']
    sample = _sample('points', sparse=_scribble_map(),
                     points=([[1., 1.]], [1]), tags=[0., 1., 0.],
                     ignored_boxes=([[0., 0., 5., 5.]], [1]))
    assert label_types_of(sample) == ['sparse', 'points', 'boxes', 'tags']
    assert label_types_of(_sample(dense=np.zeros((4, 4)))) == ['dense']


@pytest.mark.parametrize('thicken', [0, 1, 2])
def test_scribbles_take_the_class_colour(vis, thicken):
    vis.thicken = thicken
    sparse = _scribble_map()
    sample = _sample('scribbles', sparse=sparse)
    drawn = vis.draw_weak_labels(_image(), sample)

    assert drawn.shape == (H, W, 3)
    for label in (1, 2):
        assert (drawn[sparse == label] == PALETTE[label]).all()
    # Thickened for display only, by exactly `thicken` pixels.
    for offset in range(1, 4):
        expected = PALETTE[1] if offset <= thicken else [GREY] * 3
        assert (drawn[60 + offset, 20:100] == expected).all()
        assert (drawn[60 - offset, 20:100] == expected).all()
    # Unlabeled (254) pixels away from the labels keep the image's value.
    assert (drawn[80:, :140] == GREY).all()
    assert (drawn[:40, :100] == GREY).all()
    # Ignored (255) pixels are dimmed and hatched: two colours, both darker
    # than the image, so they differ from unlabeled pixels.
    assert (drawn[:, 150:].astype(int) < GREY).all()
    assert len(np.unique(drawn[:, 150:].reshape(-1, 3), axis=0)) == 2
    # The data are not changed.
    assert (sample.gt_sparse_seg.data.numpy()[0] == sparse).all()


def test_sparse_display_map_keeps_labels_and_ignore():
    sparse = np.full((5, 5), 254)
    sparse[2, 2] = 1
    sparse[2, 3] = 255
    shown = sparse_display_map(sparse, 3, thicken=1)
    assert shown[2, 3] == 255 and shown[2, 2] == 1
    assert (shown[1:4, 1:3] == 1).all() and shown[0, 0] == 254
    assert sparse[1, 1] == 254  # not changed in place


def test_partial_masks_are_not_thickened(vis):
    vis.thicken = 2
    sparse = np.full((H, W), 254, dtype=np.int64)
    sparse[40:60, 40:80] = 2
    drawn = vis.draw_weak_labels(_image(), _sample('partial', sparse=sparse))
    assert (drawn[40:60, 40:80] == PALETTE[2]).all()
    assert (drawn[sparse == 254] == GREY).all()


def test_points_get_a_visible_marker(vis):
    vis.thicken = 0
    sparse = np.full((H, W), 254, dtype=np.int64)
    sparse[30, 40] = 2  # the labelled pixel is floor(point)
    sample = _sample('points', sparse=sparse, points=([[40.5, 30.5]], [2]))
    drawn = vis.draw_weak_labels(_image(), sample).astype(int)

    assert (drawn[30, 40] == PALETTE[2]).all()
    window = drawn[24:38, 34:48]
    assert (window != GREY).any(axis=-1).sum() >= 25  # > the one pixel
    # Filled with the class colour around the point...
    for row, col in ((29, 40), (31, 40), (30, 39), (30, 41)):
        assert _near(drawn[row, col], PALETTE[2])
    # ...with a dark outline: some pixels darker than both.
    assert (window.sum(axis=-1) < 120).any()
    assert (drawn[60:, :] == GREY).all()


def test_markers_at_the_border_keep_the_image_in_place(vis):
    sample = _sample('points', points=([[0.5, 0.5], [W - 0.5, H - 0.5]],
                                       [1, 1]))
    image = _image()
    image[H // 2, :] = 0  # a black line, to see the picture move
    drawn = vis.draw_weak_labels(image, sample)
    assert drawn.shape == (H, W, 3)
    assert (drawn[H // 2, 10:W - 10] == 0).all()
    assert (drawn[10:H // 2 - 1, 10:W - 10] == GREY).all()
    assert _near(drawn[1, 1], PALETTE[1])


def test_boxes_edges_names_and_ignored_boxes(vis):
    sample = _sample(
        'boxes',
        boxes=([[20., 40., 100., 110.]], [1]),
        ignored_boxes=([[110., 20., 150., 70.]], [2]))
    drawn = vis.draw_weak_labels(_image(), sample).astype(int)

    # Left, right and bottom edges (below the name chip) are class coloured.
    assert _near(drawn[70:100, 19:22], PALETTE[1]).any(axis=1).all()
    assert _near(drawn[70:100, 99:102], PALETTE[1]).any(axis=1).all()
    assert _near(drawn[108:112, 40:90], PALETTE[1]).any(axis=0).all()
    # The class name is written at the top-left corner, inside the box.
    assert (drawn[42:52, 22:40] != GREY).any(axis=-1).mean() > 0.5
    # Inside the box, away from the name, the image is untouched.
    assert (drawn[70:100, 30:90] == GREY).all()
    # The ignored box is dashed grey: some edge pixels grey, some untouched,
    # none in its class colour.
    edge = drawn[30:69, 148:152]
    grey = _near(edge, WeakSegLocalVisualizer.IGNORED_BOX_COLOR, 15).any(1)
    assert grey.any() and not grey.all()
    assert not _near(edge, PALETTE[2]).any()


def test_boxes_outside_the_image_are_clipped_or_skipped(vis):
    sample = _sample('boxes', boxes=([[-20., -10., 60., 50.],
                                      [200., 10., 240., 40.]], [2, 1]))
    drawn = vis.draw_weak_labels(_image(), sample).astype(int)
    assert drawn.shape == (H, W, 3)
    assert _near(drawn[20:48, 58:62], PALETTE[2]).any(axis=1).all()
    assert not _near(drawn, PALETTE[1]).any()


def test_tags_are_written_on_a_banner(vis):
    drawn = vis.draw_weak_labels(_image(), _sample('tags', tags=[0., 1., 1.]))

    banner = drawn[:12].astype(int)
    # The top rows are darkened.
    assert (banner != GREY).any(axis=-1).mean() > 0.9
    assert banner.mean() < 0.6 * GREY
    # The class chips are drawn in the class colours.
    assert _near(banner, PALETTE[1], 10).any()
    assert _near(banner, PALETTE[2], 10).any()
    assert (drawn[40:] == GREY).all()


def test_combined_labels_are_all_drawn(vis):
    sample = _sample('boxes', boxes=([[20., 60., 100., 110.]], [2]),
                     tags=[0., 0., 1.])
    drawn = vis.draw_weak_labels(_image(), sample).astype(int)
    assert (drawn[:12] != GREY).any(axis=-1).mean() > 0.9
    assert _near(drawn[80:105, 19:22], PALETTE[2]).any(axis=1).all()


def test_dense_mask_is_blended_as_mmseg(vis):
    dense = np.zeros((H, W), dtype=np.int64)
    dense[:, W // 2:] = 2
    dense[:10, :10] = 255
    drawn = vis.draw_weak_labels(_image(), _sample(dense=dense)).astype(int)
    blended = (np.array([GREY] * 3) * 0.5 + np.array(PALETTE[2]) * 0.5)
    assert _near(drawn[H - 5, W - 5], blended, 3)
    assert _near(drawn[H - 5, 5], [GREY * 0.5] * 3, 3)
    assert _near(drawn[2, 2], [GREY * 0.5] * 3, 3)  # 255 blended with black
    # The class names are written inside their regions.
    names = (np.abs(drawn[20:100, 90:150] - blended).max(-1) > 3).sum()
    assert names > 20
    plain = vis.draw_weak_labels(_image(), _sample(dense=dense),
                                 with_labels=False).astype(int)
    assert (np.abs(plain[20:100, 90:150] - blended).max(-1) <= 1).all()


def test_maps_of_another_size_are_fitted_to_the_image(vis):
    dense = np.ones((2 * H, 2 * W), dtype=np.int64)
    drawn = vis.draw_weak_labels(_image(), _sample(dense=dense),
                                 with_labels=False)
    assert drawn.shape == (H, W, 3)
    assert (drawn[H - 2, W - 2] != GREY).any()


def test_gt_and_pred_side_by_side(vis, tmp_path):
    dense = np.ones((H, W), dtype=np.int64)
    pred = np.full((H, W), 2, dtype=np.int64)
    sample = _sample(dense=dense, pred=pred)
    out_file = tmp_path / 'out' / 'both.png'
    vis.add_datasample('both', _image(), sample, with_labels=False,
                       out_file=str(out_file))
    assert os.listdir(out_file.parent) == ['both.png']  # no temporary left
    from PIL import Image
    drawn = np.asarray(Image.open(out_file).convert('RGB')).astype(int)
    assert drawn.shape == (H, 2 * W, 3)
    assert _near(drawn[5, 5], np.add([GREY] * 3, PALETTE[1]) / 2, 3)
    assert _near(drawn[5, W + 5], np.add([GREY] * 3, PALETTE[2]) / 2, 3)

    vis.add_datasample('pred', _image(), sample, draw_gt=False,
                       out_file=str(tmp_path / 'pred.png'))
    assert Image.open(tmp_path / 'pred.png').size == (W, H)


def test_weak_gt_beside_the_prediction(vis, tmp_path):
    sample = _sample('scribbles', sparse=_scribble_map(),
                     pred=np.zeros((H, W), dtype=np.int64))
    vis.add_datasample('s', _image(), sample, with_labels=False,
                       out_file=str(tmp_path / 's.png'))
    from PIL import Image
    drawn = np.asarray(Image.open(tmp_path / 's.png').convert('RGB'))
    assert drawn.shape == (H, 2 * W, 3)
    assert (drawn[60, 30] == PALETTE[1]).all()


def test_unlabeled_sample_gives_the_image(vis, tmp_path):
    vis.add_datasample('u', _image(), _sample('unlabeled'), draw_pred=False,
                       out_file=str(tmp_path / 'u.png'))
    from PIL import Image
    assert (np.asarray(Image.open(tmp_path / 'u.png')) == GREY).all()


def test_backends_receive_the_picture(tmp_path):
    vis = WeakSegLocalVisualizer(
        name=f'test_weak_vis_{next(_names)}', classes=CLASSES,
        palette=PALETTE, vis_backends=[dict(type='LocalVisBackend')],
        save_dir=str(tmp_path))
    vis.add_datasample('tags', _image(), _sample('tags', tags=[1., 0., 0.]),
                       step=3)
    assert [p.name for p in tmp_path.rglob('*.png')] == ['tags_3.png']


def test_negative_thicken_is_an_error():
    with pytest.raises(ValueError, match='thicken'):
        WeakSegLocalVisualizer(name=f'test_weak_vis_{next(_names)}',
                               thicken=-1)


def test_packed_inputs_to_rgb():
    inputs = torch.zeros((3, 4, 5), dtype=torch.uint8)
    inputs[0] = 255  # blue in BGR
    rgb = packed_inputs_to_rgb(inputs)
    assert rgb.shape == (4, 5, 3) and rgb.dtype == np.uint8
    assert (rgb[..., 2] == 255).all() and (rgb[..., :2] == 0).all()


def test_registry_builds_it_from_default_runtime(repo_root):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from mmlabeleff.registry import VISUALIZERS

    cfg = Config.fromfile(
        str(repo_root / 'configs' / '_base_' / 'default_runtime.py'))
    assert cfg.visualizer.type == 'WeakSegLocalVisualizer'
    init_default_scope(cfg.default_scope)
    vis_cfg = dict(cfg.visualizer, name=f'test_weak_vis_{next(_names)}')
    assert isinstance(VISUALIZERS.build(vis_cfg), WeakSegLocalVisualizer)


def test_seg_visualization_hook_draws_with_it(tiny_camvid_cfg, tmp_path):
    """What ``tools/test.py --show-dir`` does: the hook with draw=True."""
    from mmengine.runner import Runner
    from mmengine.visualization import Visualizer
    from PIL import Image

    cfg = tiny_camvid_cfg(work_dir=tmp_path / 'work')
    cfg.default_hooks.visualization.update(draw=True, interval=1)
    cfg.visualizer.update(save_dir=str(tmp_path / 'show'),
                          name=f'test_weak_vis_{next(_names)}')
    cfg.test_dataloader.dataset.indices = 1
    runner = Runner.from_cfg(cfg)
    # mmseg's hook draws with the current instance: the config's.
    assert isinstance(runner.visualizer, WeakSegLocalVisualizer)
    assert Visualizer.get_current_instance() is runner.visualizer
    runner.test()
    drawn = sorted((tmp_path / 'show').rglob('*.png'))
    assert len(drawn) == 1
    image = Image.open(
        runner.test_dataloader.dataset.get_data_info(0)['img_path'])
    # ground truth | prediction, each at the image's size
    assert Image.open(drawn[0]).size == (2 * image.size[0], image.size[1])


@pytest.mark.parametrize('supervision,weak_label',
                         [('scribbles', 'scribbles_r100'),
                          ('points', 'points_n1')])
def test_tiny_camvid_weak_labels_are_drawn_where_they_are(
        camvid_tiny_root, camvid_tiny_weak_root, supervision, weak_label):
    import cv2
    from mmengine.registry import init_default_scope

    from mmlabeleff.registry import DATASETS
    from mmlabeleff.visualization import iter_packed_samples

    init_default_scope('mmlabeleff')
    dataset = DATASETS.build(dict(
        type='CamVidDataset', data_root=str(camvid_tiny_root),
        ann_file='splits/train.txt', supervision=supervision,
        weak_root=str(camvid_tiny_weak_root), weak_label=weak_label,
        pipeline=[dict(type='LoadImageFromFile'),
                  dict(type='LoadWeakAnnotations', num_classes=11),
                  dict(type='PackWeakSegInputs')]))
    vis = WeakSegLocalVisualizer(name=f'test_weak_vis_{next(_names)}')
    vis.set_dataset_meta(dataset.metainfo['classes'],
                         dataset.metainfo['palette'])
    palette = np.asarray(dataset.metainfo['palette'])
    checked = 0
    for name, image, sample in iter_packed_samples(dataset, 2):
        assert name.endswith(
            os.path.splitext(os.path.basename(sample.img_path))[0])
        drawn = vis.draw_weak_labels(image, sample)
        sparse = sample.gt_sparse_seg.data.numpy()[0]
        labelled = sparse < len(palette)
        assert (drawn[labelled] == palette[sparse[labelled]]).all()
        near = cv2.dilate(labelled.astype(np.uint8),
                          np.ones((9, 9), np.uint8)) > 0
        far = (sparse == 254) & ~near
        assert far.any() and (drawn[far] == image[far]).all()
        if supervision == 'points':
            for (x, y), label in zip(sample.gt_points.points.numpy(),
                                     sample.gt_points.labels.numpy()):
                assert _near(drawn[int(y), int(x)], palette[label], 40)
                checked += 1
    assert supervision == 'scribbles' or checked


def test_draw_views_needs_a_view_and_pads_shorter_ones():
    vis = WeakSegLocalVisualizer(name=f'test_weak_vis_{next(_names)}',
                                 classes=('a', 'b'), palette=[[0, 0, 0],
                                                              [255, 0, 0]])
    with pytest.raises(ValueError, match='at least one view'):
        vis.draw_views([])
    from mmseg.structures import SegDataSample
    tall = np.full((12, 8, 3), 200, np.uint8)
    short = np.full((6, 5, 3), 100, np.uint8)
    picture = vis.draw_views([(None, tall, SegDataSample()),
                              (None, short, SegDataSample())])
    assert picture.shape == (12, 13, 3)
    assert (picture[6:, 8:] == 0).all()  # padded below the shorter view
    assert (picture[:6, 8:] == 100).all() and (picture[:, :8] == 200).all()
