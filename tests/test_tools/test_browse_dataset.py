"""Tests of ``tools/misc/browse_dataset.py`` on the tiny fake CamVid."""
import importlib.util
import os
import os.path as osp
import random

import cv2
import mmcv
import numpy as np
import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCRIPT = osp.join(ROOT, 'tools', 'misc', 'browse_dataset.py')


@pytest.fixture(scope='module')
def browse_dataset():
    """The script, imported from its path."""
    spec = importlib.util.spec_from_file_location('browse_dataset', SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_draws_dense_masks(browse_dataset, tiny_camvid_cfg, tmp_path):
    cfg = tiny_camvid_cfg()
    out_dir = tmp_path / 'vis'
    written = browse_dataset.browse(cfg, str(out_dir), max_num=2, alpha=0.5)

    assert len(written) == 2
    assert sorted(os.listdir(out_dir)) == sorted(
        osp.basename(f) for f in written)
    assert osp.basename(written[0]).startswith('00000_')
    dataset = browse_dataset.DATASETS.build(cfg.train_dataloader.dataset)
    for index, out_file in enumerate(written):
        drawn = mmcv.imread(out_file)  # BGR
        item = dataset[index]
        raw = item['inputs'].numpy().transpose(1, 2, 0)  # BGR
        assert drawn.shape == raw.shape
        # The mask overlay changes the picture.
        assert not np.array_equal(drawn, raw)


def test_label_type_of_dense_and_unlabeled(browse_dataset):
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample

    sample = SegDataSample()
    assert browse_dataset.label_type_of(sample) == 'none'
    sample.gt_sem_seg = PixelData(data=np.zeros((1, 4, 4), dtype=np.int64))
    assert browse_dataset.label_type_of(sample) == 'dense'
    assert set(browse_dataset.LABEL_DRAWERS) >= {'dense', 'none'}


# Synthetic packed samples, drawn with the drawing functions directly.
CLASSES = ('background', 'road', 'car')
PALETTE = [[0, 0, 0], [220, 20, 60], [0, 0, 230]]
H, W = 120, 160
GREY = 200


@pytest.fixture
def visualizer(browse_dataset):
    """A headless visualizer with a three-class palette."""
    from mmseg.visualization import SegLocalVisualizer

    vis = SegLocalVisualizer(name='test_browse_dataset_synthetic', alpha=0.5)
    vis.set_dataset_meta(classes=CLASSES, palette=PALETTE)
    return vis


def _image():
    return np.full((H, W, 3), GREY, dtype=np.uint8)


def _sample(supervision, **fields):
    import torch
    from mmengine.structures import InstanceData, PixelData
    from mmseg.structures import SegDataSample

    sample = SegDataSample(metainfo=dict(supervision=supervision))
    if 'sparse' in fields:
        sample.gt_sparse_seg = PixelData(
            data=torch.as_tensor(fields['sparse'][None], dtype=torch.long))
    if 'points' in fields:
        points, labels = fields['points']
        sample.gt_points = InstanceData(
            points=torch.tensor(points, dtype=torch.float32),
            labels=torch.tensor(labels, dtype=torch.long))
    if 'boxes' in fields:
        boxes, labels = fields['boxes']
        sample.gt_instances = InstanceData(
            bboxes=torch.tensor(boxes, dtype=torch.float32),
            labels=torch.tensor(labels, dtype=torch.long))
    if 'ignored_boxes' in fields:
        boxes, labels = fields['ignored_boxes']
        sample.ignored_instances = InstanceData(
            bboxes=torch.tensor(boxes, dtype=torch.float32),
            labels=torch.tensor(labels, dtype=torch.long))
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


@pytest.mark.parametrize('thicken', [0, 1, 2])
def test_scribbles_take_the_class_colour(browse_dataset, visualizer, thicken):
    sparse = _scribble_map()
    sample = _sample('scribbles', sparse=sparse)
    assert browse_dataset.label_types_of(sample) == ['sparse']
    drawn = browse_dataset.draw_sample(
        visualizer, _image(), sample, thicken=thicken)

    assert drawn.shape == (H, W, 3)
    for label in (1, 2):
        assert (drawn[sparse == label] == PALETTE[label]).all()
    # Thickened for display only, by exactly `thicken` pixels.
    for offset in range(1, 4):
        expected = PALETTE[1] if offset <= thicken else [GREY] * 3
        assert (drawn[60 + offset, 20:100] == expected).all()
        assert (drawn[60 - offset, 20:100] == expected).all()
    # Unlabeled pixels away from the labels are left as the image.
    assert (drawn[80:, :140] == GREY).all()
    assert (drawn[:40, :100] == GREY).all()
    # Ignored pixels are dimmed (and hatched with grey lines).
    assert (drawn[:, 150:].astype(int) < GREY).all()
    assert len(np.unique(drawn[:, 150:].reshape(-1, 3), axis=0)) == 2
    # The data are not changed.
    assert (sample.gt_sparse_seg.data.numpy()[0] == sparse).all()


def test_partial_masks_are_not_thickened(browse_dataset, visualizer):
    sparse = np.full((H, W), 254, dtype=np.int64)
    sparse[40:60, 40:80] = 2
    drawn = browse_dataset.draw_sample(
        visualizer, _image(), _sample('partial', sparse=sparse), thicken=2)
    assert (drawn[40:60, 40:80] == PALETTE[2]).all()
    assert (drawn[sparse == 254] == GREY).all()


def test_points_get_a_visible_marker(browse_dataset, visualizer):
    sparse = np.full((H, W), 254, dtype=np.int64)
    sparse[30, 40] = 2  # the labelled pixel is floor(point)
    sample = _sample(
        'points', sparse=sparse, points=([[40.5, 30.5]], [2]))
    assert browse_dataset.label_types_of(sample) == ['sparse', 'points']
    drawn = browse_dataset.draw_sample(
        visualizer, _image(), sample, thicken=0).astype(int)

    assert (drawn[30, 40] == PALETTE[2]).all()
    window = drawn[24:38, 34:48]
    changed = (window != GREY).any(axis=-1)
    assert changed.sum() >= 25  # far more than the one labelled pixel
    # Filled with the class colour around the point...
    for row, col in ((29, 40), (31, 40), (30, 39), (30, 41)):
        assert np.abs(drawn[row, col] - PALETTE[2]).max() < 40
    # ...with a dark outline: some pixels darker than both.
    assert (window.sum(axis=-1) < 120).any()
    assert (drawn[60:, :] == GREY).all()


def test_markers_at_the_border_keep_the_image_in_place(
        browse_dataset, visualizer):
    sparse = np.full((H, W), 254, dtype=np.int64)
    sparse[0, 0] = sparse[H - 1, W - 1] = 1
    sample = _sample(
        'points', sparse=sparse,
        points=([[0.5, 0.5], [W - 0.5, H - 0.5]], [1, 1]))
    image = _image()
    image[H // 2, :] = 0  # a black line, to see the picture move
    drawn = browse_dataset.draw_sample(visualizer, image, sample, thicken=0)
    assert drawn.shape == (H, W, 3)
    assert (drawn[H // 2, 10:W - 10] == 0).all()
    assert (drawn[10:H // 2 - 1, 10:W - 10] == GREY).all()
    assert (drawn[0, 0] == PALETTE[1]).all()


def test_boxes_edges_take_the_class_colour(browse_dataset, visualizer):
    sample = _sample(
        'boxes',
        boxes=([[20., 40., 100., 110.]], [1]),
        ignored_boxes=([[110., 20., 150., 70.]], [2]))
    assert browse_dataset.label_types_of(sample) == ['boxes']
    drawn = browse_dataset.draw_sample(visualizer, _image(),
                                       sample).astype(int)

    def near(pixels, color, tol=40):
        return (np.abs(pixels - color).max(axis=-1) < tol)

    # Left, right and bottom edges (below the name chip) are class coloured.
    assert near(drawn[70:100, 19:22], PALETTE[1]).any(axis=1).all()
    assert near(drawn[70:100, 99:102], PALETTE[1]).any(axis=1).all()
    assert near(drawn[108:112, 40:90], PALETTE[1]).any(axis=0).all()
    # Inside the box the image is untouched.
    assert (drawn[70:100, 30:90] == GREY).all()
    # The ignored box is dashed grey: some edge pixels grey, some untouched.
    edge = drawn[30:69, 148:152]
    grey = near(edge, browse_dataset.IGNORED_BOX_COLOR, tol=15).any(axis=1)
    assert grey.any() and not grey.all()
    assert not near(edge, PALETTE[2]).any()


def test_tags_are_written_on_a_banner(browse_dataset, visualizer):
    sample = _sample('tags', tags=[0., 1., 1.])
    assert browse_dataset.label_types_of(sample) == ['tags']
    drawn = browse_dataset.draw_sample(visualizer, _image(), sample)

    banner = drawn[:12]
    assert (banner != GREY).any(axis=-1).mean() > 0.9
    # The class chips are drawn in the class colours.
    assert (np.abs(banner.astype(int) - PALETTE[1]).max(axis=-1) < 10).any()
    assert (np.abs(banner.astype(int) - PALETTE[2]).max(axis=-1) < 10).any()
    assert (drawn[40:] == GREY).all()


def test_combined_labels_are_all_drawn(browse_dataset, visualizer):
    sample = _sample(
        'boxes', boxes=([[20., 60., 100., 110.]], [2]), tags=[0., 0., 1.])
    assert browse_dataset.label_types_of(sample) == ['boxes', 'tags']
    drawn = browse_dataset.draw_sample(visualizer, _image(),
                                       sample).astype(int)
    assert (drawn[:12] != GREY).any(axis=-1).mean() > 0.9
    left_edge = drawn[80:105, 19:22]
    assert (np.abs(left_edge - PALETTE[2]).max(axis=-1) < 40).any(
        axis=1).all()


def test_unlabeled_supervision_draws_the_image_only(browse_dataset,
                                                   visualizer):
    sample = _sample('unlabeled')
    assert browse_dataset.label_types_of(sample) == ['none']
    drawn = browse_dataset.draw_sample(visualizer, _image(), sample)
    assert (drawn == GREY).all()


def test_save_png_atomic(browse_dataset, tmp_path):
    image = np.zeros((5, 7, 3), dtype=np.uint8)
    image[..., 0] = 255  # red in RGB
    out_file = tmp_path / 'sub' / 'a.png'
    browse_dataset.save_png_atomic(str(out_file), image)
    assert os.listdir(out_file.parent) == ['a.png']
    assert (mmcv.imread(str(out_file))[..., 2] == 255).all()  # BGR


VOC_ROOT = osp.join(ROOT, 'tests', 'data', 'voc_tiny', 'VOCdevkit', 'VOC2012')


@pytest.mark.parametrize('supervision,options,types', [
    ('scribbles', {}, ['sparse']),
    ('points', {
        'train_dataloader.dataset.data_prefix.sparse_map_path':
        'ScribbleSup/points_r000',
        'train_dataloader.dataset.points_file':
        'ScribbleSup/points_r000.json',
    }, ['sparse', 'points']),
    ('boxes', {}, ['boxes']),
])
def test_browse_voc_weak_config(browse_dataset, tmp_path, supervision,
                                options, types):
    from mmengine.config import Config

    cfg = Config.fromfile(
        osp.join(ROOT, 'configs', '_base_', 'datasets', 'voc12_aug_weak.py'))
    cfg.merge_from_dict({
        'train_dataloader.dataset.data_root': VOC_ROOT,
        'train_dataloader.dataset.ann_file': 'ImageSets/Segmentation/train.txt',
        'train_dataloader.dataset.supervision': supervision,
        **options,
    })
    out_dir = tmp_path / supervision
    np.random.seed(0)  # the pipeline resizes, crops and flips at random
    random.seed(0)
    written = browse_dataset.browse(cfg, str(out_dir), max_num=2)

    assert [osp.basename(f) for f in written] == [
        '00000_2007_000032.png', '00001_2007_000039.png'
    ]
    assert sorted(os.listdir(out_dir)) == sorted(
        osp.basename(f) for f in written)
    # The same random draws again give the samples that were drawn.
    np.random.seed(0)
    random.seed(0)
    dataset = browse_dataset.DATASETS.build(cfg.train_dataloader.dataset)
    palette = np.asarray(dataset.metainfo['palette'])
    checked = 0  # points inside the crops
    for index, out_file in enumerate(written):
        item = dataset[index]
        sample = item['data_samples']
        assert browse_dataset.label_types_of(sample) == types
        image = browse_dataset.to_rgb_image(item['inputs'])
        drawn = mmcv.imread(out_file, channel_order='rgb').astype(int)
        assert drawn.shape == image.shape
        if supervision == 'scribbles':
            sparse = sample.gt_sparse_seg.data.numpy()[0]
            labelled = sparse < len(palette)
            assert labelled.any()
            assert (drawn[labelled] == palette[sparse[labelled]]).all()
            near = cv2.dilate(labelled.astype(np.uint8),
                              np.ones((5, 5), np.uint8)) > 0
            unlabeled = (sparse == 254) & ~near
            assert (drawn[unlabeled] == image[unlabeled]).all()
        elif supervision == 'points':
            points = sample.gt_points.points.numpy()
            labels = sample.gt_points.labels.numpy()
            height, width = image.shape[:2]
            inside = ((points[:, 0] >= 0) & (points[:, 0] < width)
                      & (points[:, 1] >= 0) & (points[:, 1] < height))
            checked += int(inside.sum())
            for (x, y), label in zip(points[inside], labels[inside]):
                col, row = int(x), int(y)
                assert (drawn[row, col] == palette[label]).all()
        else:
            boxes = sample.gt_instances.bboxes.numpy()
            labels = sample.gt_instances.labels.numpy()
            assert len(boxes)
            color = palette[labels[0]]
            close = np.abs(drawn - color).max(axis=-1) < 40
            x1, y1, x2, y2 = boxes[0]
            col = int(np.clip(x1, 0, image.shape[1] - 1))
            rows = slice(int(max(y1, 0)) + 20, int(min(y2, image.shape[0])))
            assert close[rows, max(col - 2, 0):col + 3].any()
    if supervision == 'points':
        assert checked
