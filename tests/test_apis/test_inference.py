"""Tests of :mod:`mmlabeleff.apis.inference` (the prediction grid)."""
import numpy as np
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmlabeleff.apis import colorize, draw_prediction_grid, init_model, predict_item

PALETTE = [[10, 20, 30], [200, 100, 0], [0, 255, 0]]


def test_colorize_paints_classes_and_blackens_the_rest():
    label = np.array([[0, 1], [2, 255]], np.uint8)
    rgb = colorize(label, PALETTE)
    assert rgb.dtype == np.uint8 and rgb.shape == (2, 2, 3)
    assert rgb[0, 0].tolist() == [10, 20, 30]
    assert rgb[0, 1].tolist() == [200, 100, 0]
    assert rgb[1, 0].tolist() == [0, 255, 0]
    assert rgb[1, 1].tolist() == [0, 0, 0]


class _ConstantModel(torch.nn.Module):
    """Predicts class ``(row index + 1) % 3`` everywhere, at half size."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def data_preprocessor(self, data, training):
        assert training is False
        return dict(inputs=torch.stack(data['inputs']).float(),
                    data_samples=data['data_samples'])

    def predict(self, inputs, data_samples):
        self.seen.append(int(inputs[0, 0, 0, 0]))
        h, w = inputs.shape[-2:]
        value = (len(self.seen)) % 3
        sample = SegDataSample()
        sample.pred_sem_seg = PixelData(
            data=torch.full((1, h // 2, w // 2), value, dtype=torch.int64))
        return [sample]


class _Dataset:
    """Items with a uniform BGR image whose blue value is the index."""
    metainfo = dict(palette=PALETTE)

    def __init__(self, n, size=(4, 6)):
        self.n, self.size = n, size

    def __len__(self):
        return self.n

    def __getitem__(self, idx):
        h, w = self.size
        img = torch.zeros(3, h, w, dtype=torch.uint8)
        img[0] = idx  # B
        img[2] = 100  # R
        sample = SegDataSample()
        sample.gt_sem_seg = PixelData(
            data=torch.full((1, h, w), idx % 3, dtype=torch.uint8))
        return dict(inputs=img, data_samples=sample)


def test_grid_rows_are_image_ground_truth_prediction():
    model = _ConstantModel()
    grid = draw_prediction_grid(model, _Dataset(5, size=(4, 6)), num=3)
    # items 0, 2, 4 (evenly spaced); rows of 4 pixels plus a 4-pixel gap
    assert model.seen == [0, 2, 4]
    assert grid.shape == (3 * (4 + 4), 3 * 6, 3) and grid.dtype == np.uint8
    for row, idx in enumerate([0, 2, 4]):
        top = row * 8
        image, gt, pred = (grid[top:top + 4, c * 6:(c + 1) * 6]
                           for c in range(3))
        assert (image == [100, 0, idx]).all()  # BGR -> RGB
        assert (gt == PALETTE[idx % 3]).all()
        # the half-size prediction is resized to the label's size
        assert (pred == PALETTE[(row + 1) % 3]).all()
        assert (grid[top + 4:top + 8] == 255).all()  # white gap


def test_grid_is_limited_to_the_dataset():
    grid = draw_prediction_grid(_ConstantModel(), _Dataset(2), num=6, gap=0)
    assert grid.shape == (2 * 4, 18, 3)


def test_init_model_loads_the_checkpoint(tiny_camvid_cfg, tmp_path):
    cfg = tiny_camvid_cfg()
    torch.manual_seed(0)
    model = init_model(cfg)
    assert not model.training
    state = {k: torch.randn_like(v) if v.is_floating_point() else v
             for k, v in model.state_dict().items()}
    torch.save({'state_dict': state}, tmp_path / 'w.pth')

    loaded = init_model(cfg, str(tmp_path / 'w.pth'))
    assert not loaded.training
    for key, value in loaded.state_dict().items():
        assert torch.equal(value, state[key]), key


def test_predict_item_on_the_tiny_dataset(tiny_camvid_cfg):
    from mmlabeleff.registry import DATASETS
    cfg = tiny_camvid_cfg()
    model = init_model(cfg)
    dataset = DATASETS.build(cfg.val_dataloader.dataset)
    item = dataset[0]
    pred = predict_item(model, item).pred_sem_seg.data
    assert pred.shape[-2:] == item['data_samples'].gt_sem_seg.shape
    assert int(pred.max()) < len(dataset.metainfo['classes'])


def test_grid_of_the_tiny_dataset(tiny_camvid_cfg):
    from mmlabeleff.registry import DATASETS
    cfg = tiny_camvid_cfg()
    dataset = DATASETS.build(cfg.val_dataloader.dataset)
    h, w = dataset[0]['data_samples'].gt_sem_seg.shape
    grid = draw_prediction_grid(init_model(cfg), dataset, 2)
    assert grid.shape == (2 * (h + 4), 3 * w, 3)
