"""Tests of :mod:`mmlabeleff.apis.weak_vs_full` on fake models and datasets
(the tool on two tiny trained runs: tests/test_tools/test_demo_summary.py)."""
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.evaluation import IoUMetric
from mmseg.structures import SegDataSample
from PIL import Image

from mmlabeleff.apis import (
    draw_weak_label_grid,
    evaluate_miou,
    format_summary_table,
    labelled_pixel_fraction,
)

CLASSES = ('a', 'b', 'c')
PALETTE = [[10, 20, 30], [200, 100, 0], [0, 255, 0]]


class _ShiftModel(torch.nn.Module):
    """Predicts the label map stored in the image's first channel, shifted
    one column right (so some pixels are wrong)."""

    def data_preprocessor(self, data, training):
        return dict(inputs=torch.stack(data['inputs']).float(),
                    data_samples=data['data_samples'])

    def predict(self, inputs, data_samples):
        pred = torch.roll(inputs[0, :1].long(), 1, dims=-1)
        sample = SegDataSample(pred_sem_seg=PixelData(data=pred))
        return [sample]


class _Dataset:
    """Packed items with a random label map (255 on the first row) and a
    sparse map (two labelled pixels, one ignored)."""
    metainfo = dict(classes=CLASSES, palette=PALETTE)

    def __init__(self, n=3, size=(6, 8)):
        rng = np.random.default_rng(0)
        self.labels = [rng.integers(0, 3, size) for _ in range(n)]

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        label = torch.from_numpy(self.labels[idx]).to(torch.uint8)
        img = label[None].repeat(3, 1, 1)  # the model reads channel 0
        gt = label.clone()
        gt[0] = 255
        sparse = torch.full_like(label, 254)
        sparse[2, 1:3] = label[2, 1:3]
        sparse[4, 4] = 255
        sample = SegDataSample(
            gt_sem_seg=PixelData(data=gt[None]),
            gt_sparse_seg=PixelData(data=sparse[None]),
            metainfo=dict(supervision='scribbles', img_path=f'{idx}.png'))
        return dict(inputs=img, data_samples=sample)


def test_evaluate_miou_is_mmseg_iou_metric():
    dataset = _Dataset()
    metric = IoUMetric(iou_metrics=['mIoU'])
    metric.dataset_meta = dataset.metainfo
    model = _ShiftModel()
    for idx in range(len(dataset)):
        item = dataset[idx]
        sample = model.predict(item['inputs'][None].float(), None)[0]
        sample.gt_sem_seg = item['data_samples'].gt_sem_seg
        metric.process({}, [sample.to_dict()])
    expected = metric.compute_metrics(metric.results)
    result = evaluate_miou(model, dataset)
    assert result['mIoU'] == expected['mIoU']
    assert result['aAcc'] == expected['aAcc']
    assert result['num_images'] == 3
    assert set(result['IoU']) == set(CLASSES)
    assert np.mean(list(result['IoU'].values())) == pytest.approx(
        result['mIoU'], abs=0.01)


class _InfoDataset:
    """Only data infos, as labelled_pixel_fraction reads them."""
    metainfo = dict(classes=CLASSES)

    def __init__(self, infos):
        self.infos = infos

    def __len__(self):
        return len(self.infos)

    def get_data_info(self, idx):
        return self.infos[idx]


def test_labelled_pixel_fraction(tmp_path):
    maps = [np.full((4, 5), 254, np.uint8) for _ in range(2)]
    maps[0][0, :3] = [0, 1, 2]
    maps[0][1, :] = 255  # ignored pixels do not count
    maps[1][3, 4] = 1
    infos = []
    for i, array in enumerate(maps):
        Image.fromarray(array).save(tmp_path / f'{i}.png')
        infos.append(dict(sparse_map_path=str(tmp_path / f'{i}.png'),
                          supervision='scribbles'))
    assert labelled_pixel_fraction(_InfoDataset(infos)) == pytest.approx(
        4 / (15 + 20))
    full = _InfoDataset([dict(seg_map_path='x.png', supervision='full')])
    assert labelled_pixel_fraction(full) == 1.0
    with pytest.raises(ValueError, match='no sparse maps'):
        labelled_pixel_fraction(
            _InfoDataset([dict(image_labels=[0], supervision='tags')]))


def test_grid_columns_and_rows():
    dataset = _Dataset(n=3)
    grid, paths = draw_weak_label_grid(_ShiftModel(), dataset, num=2,
                                       scale=2, gap=4, caption='hello')
    assert paths == ['0.png', '2.png']  # evenly spaced
    row_h = 2 * 6 + 4
    header = grid.shape[0] - 2 * row_h
    assert grid.shape[1] == 4 * 2 * 8 and header > 0
    rows = grid[header:]
    for row, idx in enumerate([0, 2]):
        top = row * row_h
        label = dataset.labels[idx]
        panels = [rows[top:top + 12:2, c * 16:(c + 1) * 16:2]
                  for c in range(4)]
        image, weak, pred, gt = panels
        assert (image == label[..., None]).all()  # grey image of the ids
        # the weak label is drawn over the image, not the dense mask
        assert (weak != image).any(-1).sum() < label.size / 2
        np.testing.assert_array_equal(
            pred, np.asarray(PALETTE, np.uint8)[np.roll(label, 1, -1)])
        expected_gt = np.asarray(PALETTE, np.uint8)[label]
        expected_gt[0] = 0  # ignored: black
        np.testing.assert_array_equal(gt, expected_gt)
        assert (rows[top + 12:top + 16] == 255).all()
    with pytest.raises(ValueError, match='scale'):
        draw_weak_label_grid(_ShiftModel(), dataset, num=1, scale=0)


def test_summary_table():
    entry = dict(method='m', supervision='full', labelled_fraction=1.0,
                 mIoU=80.0)
    weak = dict(entry, method='w', supervision='points',
                labelled_fraction=0.001, mIoU=60.0)
    table = format_summary_table(
        dict(full=entry, weak=weak, fraction_of_full=0.75))
    assert table.splitlines()[2:] == [
        '| m | full (100.00 % of pixels) | 80.00 | 100.0 % |',
        '| w | points (0.10 % of pixels) | 60.00 | 75.0 % |']
    table = format_summary_table(
        dict(full=dict(entry, mIoU=0.0), weak=weak, fraction_of_full=None))
    assert table.splitlines()[-1].endswith('| n/a |')
