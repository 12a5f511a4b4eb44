"""Build a trained segmentor and draw its predictions next to the labels.

The logic of ``tools/analysis_tools/show_predictions.py``: a grid with one
row per dataset item, ``image | ground truth | prediction``, in the
dataset's palette.
"""
from typing import Optional

import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint
from mmengine.structures import BaseDataElement
from PIL import Image

from mmlabeleff.registry import MODELS
from mmlabeleff.utils import register_all_modules

__all__ = ['init_model', 'predict_item', 'colorize', 'draw_prediction_grid']


def init_model(cfg: Config,
               checkpoint: Optional[str] = None,
               device: str = 'cpu') -> torch.nn.Module:
    """Build ``cfg.model``, load a checkpoint and switch to eval mode.

    Registers mmlabeleff's modules and sets the default scope to the
    config's ``default_scope`` (``'mmlabeleff'`` when absent).

    Args:
        cfg (Config): A loaded config.
        checkpoint (str, optional): Weights to load (an mmengine checkpoint
            or a bare state dict); random initial weights when None.
        device (str): Where the model lives. Defaults to ``'cpu'``.

    Returns:
        torch.nn.Module: The segmentor, in eval mode.
    """
    register_all_modules(init_default_scope=False)
    init_default_scope(cfg.get('default_scope', 'mmlabeleff'))
    model = MODELS.build(cfg.model)
    if checkpoint is not None:
        load_checkpoint(model, checkpoint, map_location='cpu')
    return model.to(device).eval()


def predict_item(model: torch.nn.Module, item: dict) -> BaseDataElement:
    """Predict one packed dataset item (``inputs`` + ``data_samples``).

    Args:
        model (torch.nn.Module): A segmentor with a data preprocessor.
        item (dict): An item of a dataset whose pipeline ends with a pack
            transform.

    Returns:
        BaseDataElement: The data sample with ``pred_sem_seg``.
    """
    with torch.no_grad():
        batch = model.data_preprocessor(
            dict(inputs=[item['inputs']], data_samples=[item['data_samples']]),
            False)
        return model.predict(batch['inputs'], batch['data_samples'])[0]


def colorize(label: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """Map a label map to RGB in a palette.

    Args:
        label (np.ndarray): (H, W) class ids.
        palette (np.ndarray): (K, 3) uint8 colours of the K classes.

    Returns:
        np.ndarray: (H, W, 3) uint8; ids outside the palette (the ignore
        value 255, for example) are black.
    """
    palette = np.asarray(palette, np.uint8)
    rgb = np.zeros(label.shape + (3, ), np.uint8)
    valid = label < len(palette)
    rgb[valid] = palette[label[valid]]
    return rgb


def _resize(array: np.ndarray, size, nearest: bool) -> np.ndarray:
    """Resize an (H, W[, 3]) uint8 array to ``size = (h, w)``."""
    h, w = size
    if array.shape[:2] == (h, w):
        return array
    resample = Image.NEAREST if nearest else Image.BICUBIC
    return np.asarray(
        Image.fromarray(array.astype(np.uint8)).resize((w, h), resample))


def draw_prediction_grid(model: torch.nn.Module, dataset, num: int,
                         gap: int = 4) -> np.ndarray:
    """Predict ``num`` evenly spaced items and stack their rows.

    Each row is ``image | ground truth | prediction`` at the size of the
    ground truth (the image resized bicubically, the prediction by nearest
    neighbour); rows are padded with white to the widest row and separated
    by ``gap`` white pixels.

    Args:
        model (torch.nn.Module): A segmentor in eval mode.
        dataset: A dataset whose items are packed (``inputs`` a (3, H, W)
            BGR uint8 tensor, ``data_samples.gt_sem_seg``) and whose
            ``metainfo`` has a ``palette``.
        num (int): Rows to draw (at most ``len(dataset)``).
        gap (int): White pixels below each row. Defaults to 4.

    Returns:
        np.ndarray: The (H, W, 3) uint8 RGB grid.
    """
    palette = np.asarray(dataset.metainfo['palette'], np.uint8)
    indices = np.linspace(0, len(dataset) - 1, num=min(num, len(dataset)))
    rows = []
    for idx in indices.round().astype(int):
        item = dataset[int(idx)]
        pred = predict_item(model, item).pred_sem_seg.data[0].cpu().numpy()
        img = item['inputs'].numpy().transpose(1, 2, 0)[..., ::-1]  # BGR->RGB
        gt = item['data_samples'].gt_sem_seg.data[0].numpy()
        img = _resize(np.ascontiguousarray(img), gt.shape, nearest=False)
        pred = _resize(pred, gt.shape, nearest=True)
        rows.append(np.concatenate(
            [img, colorize(gt, palette), colorize(pred, palette)], axis=1))
    width = max(r.shape[1] for r in rows)
    rows = [np.pad(r, ((0, gap), (0, width - r.shape[1]), (0, 0)),
                   constant_values=255) for r in rows]
    return np.concatenate(rows, axis=0)
