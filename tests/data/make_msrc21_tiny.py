"""Write the tiny fake MSRC-21 dataset of tests/data (``msrc21_tiny``).

Run from the repository root (deterministic; rewrites the folder)::

    .venv/bin/python tests/data/make_msrc21_tiny.py

The real layout (``train/``, ``trainannot/``, ``val/``, ``valannot/``,
``splits/{train,val}.txt``, ``classes.json``) with 4 train and 2 val RGB PNG
images of 48x64 (HxW). Each label map is a background class (grass or sky)
with one or two rectangular objects and a 2-pixel void (255) frame, like the
object-centric MSRC photos (2-3 classes per image); the image paints every
class in its own colour plus seeded noise, so a model can learn the classes.
The table ``LAYOUT`` is what the tests check by hand.
"""
import json
import os
import os.path as osp
import shutil

import numpy as np
from PIL import Image

ROOT = osp.join(osp.dirname(osp.abspath(__file__)), 'msrc21_tiny')
CLASSES = ('building', 'grass', 'tree', 'cow', 'sheep', 'sky', 'aeroplane',
           'water', 'face', 'car', 'bicycle', 'flower', 'sign', 'bird',
           'book', 'chair', 'road', 'cat', 'dog', 'body', 'boat')
HEIGHT, WIDTH = 48, 64
#: split, name, background class, objects as (class, y1, x1, y2, x2)
LAYOUT = [
    ('train', '1_1_s', 1, [(3, 12, 8, 36, 30)]),
    ('train', '1_2_s', 1, [(4, 10, 30, 40, 58), (3, 20, 4, 34, 20)]),
    ('train', '6_1_s', 5, [(6, 14, 10, 30, 54)]),
    ('train', '9_3_s', 5, [(9, 24, 6, 44, 40), (0, 4, 44, 44, 62)]),
    ('val', '1_7_s', 1, [(3, 16, 20, 40, 50)]),
    ('val', '9_8_s', 5, [(9, 20, 10, 42, 52)]),
]


def label_map(background, objects):
    """The label map of one image: background, objects, void frame."""
    label = np.full((HEIGHT, WIDTH), background, np.uint8)
    for cls, y1, x1, y2, x2 in objects:
        label[y1:y2, x1:x2] = cls
    label[:2], label[-2:], label[:, :2], label[:, -2:] = 255, 255, 255, 255
    return label


def image_of(label, seed):
    """An RGB image painting each class in its own colour, plus noise."""
    rng = np.random.default_rng(seed)
    colours = np.random.default_rng(21).integers(30, 226, (256, 3))
    colours[255] = (0, 0, 0)
    noise = rng.integers(-20, 21, (HEIGHT, WIDTH, 3))
    return np.clip(colours[label] + noise, 0, 255).astype(np.uint8)


def main():
    """Rewrite ``tests/data/msrc21_tiny``."""
    if osp.isdir(ROOT):
        shutil.rmtree(ROOT)
    for folder in ('train', 'trainannot', 'val', 'valannot', 'splits'):
        os.makedirs(osp.join(ROOT, folder))
    lines = dict(train=[], val=[])
    for seed, (split, name, background, objects) in enumerate(LAYOUT):
        label = label_map(background, objects)
        Image.fromarray(label).save(
            osp.join(ROOT, f'{split}annot', f'{name}.png'))
        Image.fromarray(image_of(label, seed)).save(
            osp.join(ROOT, split, f'{name}.png'))
        lines[split].append(f'{split}/{name}.png {split}annot/{name}.png')
    for split, entries in lines.items():
        with open(osp.join(ROOT, 'splits', f'{split}.txt'), 'w') as f:
            f.write('\n'.join(entries) + '\n')
    with open(osp.join(ROOT, 'classes.json'), 'w') as f:
        json.dump(list(CLASSES), f)


if __name__ == '__main__':
    main()
