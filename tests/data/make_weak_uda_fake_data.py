"""Write the tiny fake COCO / Cityscapes / GTA5 / SYNTHIA datasets of tests/data.

Run from the repository root (deterministic; rewrites the four folders)::

    python tests/data/make_weak_uda_fake_data.py

Each folder has the real layout and file formats, with 32x64 (HxW) images:

- ``coco_tiny``: ``annotations/instances_train2017.json`` (3 images:
  polygons, an uncompressed crowd RLE, a degenerate box, a compressed RLE,
  one image without annotations) and ``instances_val2014.json`` (1 image,
  2014 file naming); JPEG images; ``semantic/<split>/*.png`` rendered with
  :func:`mmlabeleff.datasets.coco_weak.render_semantic_map`.
- ``cityscapes_tiny``: ``leftImg8bit`` / ``gtFine`` (``*_labelIds.png`` and
  ``*_labelTrainIds.png``), 2 train cities + 1 val city, ``splits/``.
- ``gta5_tiny``: ``images/``, ``labels/`` (palette PNGs of Cityscapes label
  ids, plus ``*_labelTrainIds.png``).
- ``synthia_tiny``: ``RGB/``, ``GT/LABELS/`` (16-bit 3-channel PNGs, class
  id in the first channel, instance id in the second, plus
  ``*_labelTrainIds.png``).

Label maps are 8 vertical stripes of 8 columns, one id per stripe (the
stripe order shifts by one per image), so tests can check every mapped value
by hand.
"""
import json
import os
import os.path as osp
import shutil

import cv2
import numpy as np
from PIL import Image

ROOT = osp.dirname(osp.abspath(__file__))
H, W = 32, 64

# Cityscapes label ids (and their train ids: 0, 13, 255, 18, 255, 10, 16, 9)
CS_STRIPES = [7, 26, 0, 33, 9, 23, 31, 22]
# SYNTHIA class ids (train ids: 0, 13, 255, 255, 255, 10, 3, 18)
SYN_STRIPES = [3, 8, 0, 16, 22, 1, 21, 11]
# Cityscapes label-id colours (cityscapesScripts' labels.py), GTA5 palette
CS_COLOURS = [
    (0, 0, 0), (0, 0, 0), (0, 0, 0), (0, 0, 0), (0, 0, 0), (111, 74, 0),
    (81, 0, 81), (128, 64, 128), (244, 35, 232), (250, 170, 160),
    (230, 150, 140), (70, 70, 70), (102, 102, 156), (190, 153, 153),
    (180, 165, 180), (150, 100, 100), (150, 120, 90), (153, 153, 153),
    (153, 153, 153), (250, 170, 30), (220, 220, 0), (107, 142, 35),
    (152, 251, 152), (70, 130, 180), (220, 20, 60), (255, 0, 0), (0, 0, 142),
    (0, 0, 70), (0, 60, 100), (0, 0, 90), (0, 0, 110), (0, 80, 100),
    (0, 0, 230), (119, 11, 32)
]
COCO_CATEGORY_IDS = [
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
    23, 24, 25, 27, 28, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44,
    46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64,
    65, 67, 70, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 84, 85, 86, 87, 88,
    89, 90
]


def stripes(values, shift=0):
    """A (H, W) map of 8 stripes of 8 columns."""
    values = values[shift:] + values[:shift]
    return np.repeat(np.array(values), W // len(values))[None].repeat(H, 0)


def image(seed):
    """A smooth RGB test image (compresses to a few hundred bytes)."""
    yy, xx = np.mgrid[0:H, 0:W]
    img = np.stack([xx * 4, yy * 8, (xx + yy + 40 * seed) % 256], -1)
    return img.astype(np.uint8)


def save(path, array, **kwargs):
    os.makedirs(osp.dirname(path), exist_ok=True)
    Image.fromarray(array).save(path, **kwargs)


def fresh(name):
    path = osp.join(ROOT, name)
    shutil.rmtree(path, ignore_errors=True)
    return path


def make_cityscapes(lookup_table, cs_map):
    root = fresh('cityscapes_tiny')
    lut = lookup_table(cs_map)
    items = [('train', 'aachen', 'aachen_000000_000019'),
             ('train', 'bochum', 'bochum_000000_000313'),
             ('val', 'frankfurt', 'frankfurt_000000_000294')]
    for i, (split, city, img_id) in enumerate(items):
        save(f'{root}/leftImg8bit/{split}/{city}/{img_id}_leftImg8bit.png',
             image(i))
        ids = stripes(CS_STRIPES, i).astype(np.uint8)
        gt = f'{root}/gtFine/{split}/{city}/{img_id}'
        save(gt + '_gtFine_labelIds.png', ids)
        save(gt + '_gtFine_labelTrainIds.png', lut[ids])
    os.makedirs(f'{root}/splits')
    with open(f'{root}/splits/train_labeled.txt', 'w') as f:
        f.write('aachen_000000_000019\n')
    with open(f'{root}/splits/train_unlabeled.txt', 'w') as f:
        f.write('bochum_000000_000313\n')


def make_gta5(lookup_table, cs_map):
    root = fresh('gta5_tiny')
    lut = lookup_table(cs_map)
    palette = [c for colour in CS_COLOURS for c in colour]
    for i, name in enumerate(['00001', '00002']):
        save(f'{root}/images/{name}.png', image(i))
        ids = Image.fromarray(stripes(CS_STRIPES, i).astype(np.uint8), 'L')
        ids = ids.convert('P')
        ids.putpalette(palette)
        os.makedirs(f'{root}/labels', exist_ok=True)
        ids.save(f'{root}/labels/{name}.png')
        save(f'{root}/labels/{name}_labelTrainIds.png',
             lut[stripes(CS_STRIPES, i).astype(np.uint8)])


def make_synthia(lookup_table, syn_map):
    root = fresh('synthia_tiny')
    lut = lookup_table(syn_map, size=65536)
    for i, name in enumerate(['0000000', '0000001']):
        save(f'{root}/RGB/{name}.png', image(i))
        cls = stripes(SYN_STRIPES, i).astype(np.uint16)
        label = np.zeros((H, W, 3), np.uint16)
        label[..., 2] = cls  # OpenCV writes BGR: channel 2 is the file's first
        label[..., 1] = 1000 + np.arange(W, dtype=np.uint16)[None]  # instance
        os.makedirs(f'{root}/GT/LABELS', exist_ok=True)
        assert cv2.imwrite(f'{root}/GT/LABELS/{name}.png', label)
        save(f'{root}/GT/LABELS/{name}_labelTrainIds.png', lut[cls])


def _poly(x1, y1, x2, y2):
    return [[x1, y1, x2, y1, x2, y2, x1, y2]]


def make_coco(classes, load_coco_instances, render_semantic_map):
    from pycocotools import mask as mask_utils
    root = fresh('coco_tiny')
    categories = [
        dict(id=cid, name=name, supercategory='thing')
        for cid, name in zip(COCO_CATEGORY_IDS, classes)
    ]
    brush = np.zeros((H, W), np.uint8, order='F')
    brush[4:12, 20:36] = 1
    rle = mask_utils.encode(np.asfortranarray(brush))
    rle['counts'] = rle['counts'].decode()
    splits = {
        'train2017': dict(
            images=[
                dict(id=1, file_name='000000000001.jpg', height=H, width=W),
                dict(id=2, file_name='000000000002.jpg', height=H, width=W),
                dict(id=3, file_name='000000000003.jpg', height=H, width=W),
            ],
            annotations=[
                # a large person, a small dog on top of it
                dict(id=11, image_id=1, category_id=1, iscrowd=0,
                     bbox=[0, 0, 40, 32], area=1280.0,
                     segmentation=_poly(0, 0, 40, 32)),
                dict(id=12, image_id=1, category_id=18, iscrowd=0,
                     bbox=[10, 10, 10, 10], area=100.0,
                     segmentation=_poly(10, 10, 20, 20)),
                # a crowd of people, uncompressed RLE (columns 50..59)
                dict(id=13, image_id=1, category_id=1, iscrowd=1,
                     bbox=[50, 0, 10, 32], area=320.0,
                     segmentation=dict(counts=[50 * H, 10 * H, 4 * H],
                                       size=[H, W])),
                # a degenerate toothbrush (w < 1): skipped
                dict(id=14, image_id=1, category_id=90, iscrowd=0,
                     bbox=[30, 30, 0.5, 1], area=0.5,
                     segmentation=_poly(30, 30, 30.5, 31)),
                # a car with a fractional box
                dict(id=15, image_id=1, category_id=3, iscrowd=0,
                     bbox=[41.5, 2.25, 7.5, 5.0], area=30.0,
                     segmentation=_poly(42, 2, 48, 7)),
                # a toothbrush as compressed RLE
                dict(id=21, image_id=2, category_id=90, iscrowd=0,
                     bbox=[20, 4, 16, 8], area=128.0, segmentation=rle),
            ]),
        'val2014': dict(
            images=[
                dict(id=42, file_name='COCO_val2014_000000000042.jpg',
                     height=H, width=W),
            ],
            annotations=[
                dict(id=31, image_id=42, category_id=2, iscrowd=0,
                     bbox=[8, 8, 24, 16], area=384.0,
                     segmentation=_poly(8, 8, 32, 24)),
            ]),
    }
    os.makedirs(f'{root}/annotations')
    for split, content in splits.items():
        ann_file = f'{root}/annotations/instances_{split}.json'
        with open(ann_file, 'w') as f:
            json.dump(dict(info=dict(description='fake COCO for tests'),
                           licenses=[], categories=categories, **content), f)
        records, _ = load_coco_instances(ann_file)
        for i, rec in enumerate(records):
            save(f'{root}/{split}/{rec["file_name"]}', image(i),
                 format='JPEG', quality=80)
            seg = render_semantic_map(rec['instances'], rec['height'],
                                      rec['width'])
            stem = osp.splitext(rec['file_name'])[0]
            save(f'{root}/semantic/{split}/{stem}.png', seg)


def main():
    from mmlabeleff.utils.label_remap import lookup_table
    from mmlabeleff.datasets.cityscapes_weak import \
        CITYSCAPES_LABEL_ID_TO_TRAIN_ID
    from mmlabeleff.datasets.coco_weak import (COCO_THING_CLASSES,
                                               load_coco_instances,
                                               render_semantic_map)
    from mmlabeleff.datasets.synthia import SYNTHIA_ID_TO_TRAIN_ID
    make_cityscapes(lookup_table, CITYSCAPES_LABEL_ID_TO_TRAIN_ID)
    make_gta5(lookup_table, CITYSCAPES_LABEL_ID_TO_TRAIN_ID)
    make_synthia(lookup_table, SYNTHIA_ID_TO_TRAIN_ID)
    make_coco(COCO_THING_CLASSES, load_coco_instances, render_semantic_map)


if __name__ == '__main__':
    main()
