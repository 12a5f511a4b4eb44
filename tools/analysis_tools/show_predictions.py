"""Draw a grid of image | ground truth | prediction for a few val images.

    python tools/analysis_tools/show_predictions.py CONFIG CHECKPOINT \
        --out predictions.png [--num 6] [--split val]

The PNG is written atomically (temporary file, then rename).
"""
import argparse
import os.path as osp
import sys

import numpy as np
import torch
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint
from PIL import Image

from mmlabeleff.registry import DATASETS, MODELS
from mmlabeleff.utils import register_all_modules, save_png_atomic


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', required=True, help='output PNG file')
    parser.add_argument('--num', type=int, default=6, help='number of images')
    parser.add_argument('--split', default='val', choices=['val', 'test'],
                        help='which dataloader\'s dataset to draw from')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value')
    return parser.parse_args(argv)


def colorize(label: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """Map a label map to RGB; ignored pixels (255) are black."""
    rgb = np.zeros(label.shape + (3, ), np.uint8)
    valid = label < len(palette)
    rgb[valid] = palette[label[valid]]
    return rgb


def draw_rows(model, dataset, num: int) -> np.ndarray:
    """Run the model on ``num`` evenly spaced items and stack the rows."""
    palette = np.asarray(dataset.metainfo['palette'], np.uint8)
    indices = np.linspace(0, len(dataset) - 1, num=min(num, len(dataset)))
    rows = []
    for idx in indices.round().astype(int):
        item = dataset[int(idx)]
        with torch.no_grad():
            batch = model.data_preprocessor(
                dict(inputs=[item['inputs']],
                     data_samples=[item['data_samples']]), False)
            result = model.predict(batch['inputs'], batch['data_samples'])[0]
        img = item['inputs'].numpy().transpose(1, 2, 0)[..., ::-1]  # BGR->RGB
        gt = item['data_samples'].gt_sem_seg.data[0].numpy()
        pred = result.pred_sem_seg.data[0].numpy()
        h, w = gt.shape
        if img.shape[:2] != (h, w):
            img = np.asarray(Image.fromarray(img).resize((w, h)))
        if pred.shape != (h, w):
            pred = np.asarray(
                Image.fromarray(pred.astype(np.uint8)).resize((w, h), 0))
        rows.append(np.concatenate(
            [img, colorize(gt, palette), colorize(pred, palette)], axis=1))
    width = max(r.shape[1] for r in rows)
    rows = [np.pad(r, ((0, 4), (0, width - r.shape[1]), (0, 0)),
                   constant_values=255) for r in rows]
    return np.concatenate(rows, axis=0)


def main(argv=None):
    args = parse_args(argv)
    for path in (args.config, args.checkpoint):
        if not osp.isfile(path):
            sys.exit(f'error: {path}: file not found')
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmlabeleff'))
    model = MODELS.build(cfg.model)
    load_checkpoint(model, args.checkpoint, map_location='cpu')
    model.eval()
    dataset = DATASETS.build(cfg[f'{args.split}_dataloader'].dataset)
    grid = draw_rows(model, dataset, args.num)
    save_png_atomic(args.out, grid)
    print(f'wrote {args.out} ({args.num} rows: image | ground truth | '
          'prediction)')


if __name__ == '__main__':
    main()
