"""Build PASCAL VOC 2012's augmented training set from SBD.

SBD (Hariharan et al., "Semantic contours from inverse detectors", ICCV
2011; ``benchmark_RELEASE``) stores a class mask per image in
``dataset/cls/<id>.mat`` (a MATLAB struct ``GTcls`` whose ``Segmentation``
field is an ``(H, W)`` array of ids 0..20, without void boundaries). This
script writes

- ``VOC2012/SegmentationClassAug/<id>.png``: every SBD mask, then VOC's own
  ``SegmentationClass`` mask for each id of VOC ``train`` and ``val`` (these
  replace SBD's where both exist, as mmseg's ``voc12_aug`` set, which reads
  VOC train from ``SegmentationClass``, does); all as 8-bit grayscale PNGs
  of class ids (255 = VOC's void);
- ``VOC2012/ImageSets/Segmentation/trainaug.txt``: (VOC train + SBD train +
  SBD val) minus VOC val, sorted: 10,582 ids on the full data;
- ``VOC2012/ImageSets/Segmentation/aug.txt``: the SBD-only part (trainaug
  minus VOC train: 9,118 ids), as mmseg's converter writes it.

The set arithmetic is that of mmseg's ``tools/dataset_converters/voc_aug.py``
(Apache-2.0); the code is this project's own. Every file is written
atomically (a temporary file renamed into place).

Usage::

    python tools/dataset_converters/voc_aug.py data/VOCdevkit \\
        data/VOCdevkit/VOCaug [--nproc 4]

where ``data/VOCdevkit/VOC2012`` is the VOC 2012 devkit folder and
``data/VOCdevkit/VOCaug/dataset/{cls,train.txt,val.txt}`` is SBD.
"""
import argparse
import os
import os.path as osp
import sys
from functools import partial
from multiprocessing import Pool

import numpy as np
from PIL import Image
from scipy.io import loadmat

from mmlabeleff.utils import read_id_list
from mmlabeleff.utils.atomic_io import save_png_atomic, write_text_atomic

#: The size of trainaug on the full VOC 2012 + SBD data.
TRAINAUG_LEN = 10582
NUM_CLASSES = 21
IGNORE_INDEX = 255


def _check_ids(mask, path):
    values = np.unique(mask)
    bad = values[(values >= NUM_CLASSES) & (values != IGNORE_INDEX)]
    if bad.size:
        raise ValueError(f'{path}: class ids {bad.tolist()} outside VOC\'s '
                         f'0..{NUM_CLASSES - 1} and 255')


def read_sbd_mat(path):
    """The class mask of one SBD ``cls/*.mat`` file.

    Raises:
        ValueError: If the file cannot be read, has no ``GTcls.Segmentation``
            2-D array, or holds ids outside 0..20 (the message names it).
    """
    try:
        data = loadmat(path, squeeze_me=True, struct_as_record=False)
    except Exception as e:  # scipy raises several kinds on bad files
        raise ValueError(f'{path}: cannot read the .mat file ({e})') from e
    gt = data.get('GTcls')
    seg = getattr(gt, 'Segmentation', None)
    if seg is None:
        raise ValueError(f'{path}: no GTcls.Segmentation (expected an SBD '
                         'cls/*.mat file)')
    seg = np.asarray(seg)
    if seg.ndim != 2 or not np.issubdtype(seg.dtype, np.integer):
        raise ValueError(f'{path}: GTcls.Segmentation is not a 2-D integer '
                         f'array (shape {seg.shape}, dtype {seg.dtype})')
    _check_ids(seg, path)
    return seg.astype(np.uint8)


def read_voc_png(path):
    """A VOC ``SegmentationClass`` mask (palette PNG) as class ids."""
    with Image.open(path) as img:
        if img.mode not in ('P', 'L'):
            raise ValueError(f'{path}: expected a palette or grayscale PNG '
                             f'of class ids, got mode {img.mode}')
        mask = np.array(img)
    _check_ids(mask, path)
    return mask.astype(np.uint8)


def _convert_mat(name, cls_dir, out_dir):
    save_png_atomic(osp.join(out_dir, osp.splitext(name)[0] + '.png'),
                    read_sbd_mat(osp.join(cls_dir, name)))


def _copy_voc(img_id, voc_seg_dir, out_dir):
    src = osp.join(voc_seg_dir, img_id + '.png')
    if not osp.isfile(src):
        raise FileNotFoundError(f'{src}: VOC mask not found')
    save_png_atomic(osp.join(out_dir, img_id + '.png'), read_voc_png(src))


def _run(func, items, nproc):
    if nproc > 1:
        with Pool(nproc) as pool:
            pool.map(func, items, chunksize=32)
    else:
        for item in items:
            func(item)


def convert(devkit_path, aug_path, out_dir=None, nproc=1):
    """Convert SBD and write the split files.

    Args:
        devkit_path (str): Folder holding ``VOC2012``.
        aug_path (str): SBD folder holding ``dataset/cls``,
            ``dataset/train.txt`` and ``dataset/val.txt``.
        out_dir (str, optional): Mask folder. Defaults to
            ``<devkit_path>/VOC2012/SegmentationClassAug``.
        nproc (int): Worker processes.

    Returns:
        dict: ``sbd`` (masks converted), ``voc`` (masks copied),
        ``trainaug`` and ``aug`` (id lists) and ``split_files``.
    """
    voc_root = osp.join(devkit_path, 'VOC2012')
    sets_dir = osp.join(voc_root, 'ImageSets', 'Segmentation')
    cls_dir = osp.join(aug_path, 'dataset', 'cls')
    out_dir = out_dir or osp.join(voc_root, 'SegmentationClassAug')
    voc_train = read_id_list(osp.join(sets_dir, 'train.txt'))
    voc_val = read_id_list(osp.join(sets_dir, 'val.txt'))
    sbd_train = read_id_list(osp.join(aug_path, 'dataset', 'train.txt'))
    sbd_val = read_id_list(osp.join(aug_path, 'dataset', 'val.txt'))
    if not osp.isdir(cls_dir):
        raise FileNotFoundError(f'{cls_dir}: SBD cls folder not found')
    mats = sorted(f for f in os.listdir(cls_dir) if f.endswith('.mat'))
    if not mats:
        raise ValueError(f'{cls_dir}: no .mat files')

    _run(partial(_convert_mat, cls_dir=cls_dir, out_dir=out_dir), mats,
         nproc)
    voc_ids = sorted(set(voc_train) | set(voc_val))
    _run(partial(_copy_voc, voc_seg_dir=osp.join(voc_root,
                                                 'SegmentationClass'),
                 out_dir=out_dir), voc_ids, nproc)

    sbd_ids = set(sbd_train) | set(sbd_val)
    have = {osp.splitext(m)[0] for m in mats} | set(voc_ids)
    missing = sorted(sbd_ids - have)
    if missing:
        raise FileNotFoundError(
            f'{cls_dir}: no .mat for {len(missing)} ids of SBD train/val, '
            f'e.g. {osp.join(cls_dir, missing[0] + ".mat")}')
    trainaug = sorted((set(voc_train) | sbd_ids) - set(voc_val))
    aug = sorted(sbd_ids - set(voc_train) - set(voc_val))
    split_files = [osp.join(sets_dir, 'trainaug.txt'),
                   osp.join(sets_dir, 'aug.txt')]
    for ids, path in zip((trainaug, aug), split_files):
        write_text_atomic(path, ''.join(f'{i}\n' for i in ids))
    return dict(sbd=len(mats), voc=len(voc_ids), trainaug=trainaug, aug=aug,
                split_files=split_files, out_dir=out_dir)


def parse_args(argv=None):
    """Parse command-line arguments."""
    parser = argparse.ArgumentParser(
        description='Convert SBD cls/*.mat masks to PNG '
        '(VOC2012/SegmentationClassAug) and write trainaug.txt / aug.txt.')
    parser.add_argument('devkit_path', help='folder holding VOC2012')
    parser.add_argument('aug_path', help='SBD folder holding dataset/cls, '
                        'dataset/train.txt and dataset/val.txt')
    parser.add_argument('-o', '--out-dir', help='mask folder (default: '
                        '<devkit_path>/VOC2012/SegmentationClassAug)')
    parser.add_argument('--nproc', type=int, default=1,
                        help='worker processes (default: 1)')
    return parser.parse_args(argv)


def main(argv=None):
    """Run the conversion and print a summary.

    Returns:
        int: The exit status.
    """
    args = parse_args(argv)
    try:
        result = convert(args.devkit_path, args.aug_path, args.out_dir,
                         args.nproc)
    except (FileNotFoundError, ValueError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    print(f'{result["sbd"]} SBD masks converted, {result["voc"]} VOC masks '
          f'copied into {result["out_dir"]}')
    print(f'trainaug: {len(result["trainaug"])} ids, aug: '
          f'{len(result["aug"])} ids -> {", ".join(result["split_files"])}')
    if result['sbd'] >= 11355 and len(result['trainaug']) != TRAINAUG_LEN:
        print(f'warning: trainaug has {len(result["trainaug"])} ids, not '
              f'the usual {TRAINAUG_LEN}', file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main())
