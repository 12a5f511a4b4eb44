"""Render 81-class COCO semantic maps (and tags) from instance annotations.

Usage::

    python tools/dataset_converters/coco_weak.py data/coco --split train2014
        [--ann-file annotations/instances_train2014.json]
        [--out-dir data/coco/semantic/train2014]
        [--tags-file data/coco/semantic/tags_train2014.json]
        [--nproc 8] [--overwrite]

For every image of ``instances_<split>.json`` (images without annotations
included) writes ``<out-dir>/<image stem>.png``, an 8-bit map with 0 =
background, 1..80 = the COCO thing classes in increasing category-id order
(:data:`mmlabeleff.datasets.coco_weak.COCO_THING_CLASSES`) and 255 = crowd
regions. Overlaps: crowd regions are painted first, then the other instances
from the largest mask to the smallest, so smaller objects end up on top (see
:func:`mmlabeleff.datasets.coco_weak.render_semantic_map`). This is the
folder that :class:`mmlabeleff.datasets.COCOWeakDataset` reads as
``data_prefix['seg_map_path']`` (default ``semantic/<split>``).

``--tags-file`` also writes ``{file_name: [labels]}``, the classes annotated
in each image (crowd included, background never listed) -- the tags the
dataset derives itself, for tools that want them without the JSON.

Every file is written atomically (a temporary file in the same folder, then
:func:`os.replace`); existing maps are skipped unless ``--overwrite``. Errors
name the annotation file and the image.
"""
import argparse
import multiprocessing
import os.path as osp
import sys

from mmlabeleff.utils.atomic_io import dump_json_atomic, save_png_atomic


def parse_args(argv=None):
    """Parse command-line arguments."""
    parser = argparse.ArgumentParser(
        description='Render 81-class semantic PNGs (0 background, 1..80 '
        'things, 255 crowd) from COCO instance annotations')
    parser.add_argument('coco_root', help='COCO root (with annotations/)')
    parser.add_argument('--split', default='train2014',
                        help='e.g. train2014, val2014, train2017, val2017 '
                        '(default: train2014)')
    parser.add_argument('--ann-file', default=None,
                        help='instances JSON (default: COCO_ROOT/annotations/'
                        'instances_SPLIT.json)')
    parser.add_argument('--out-dir', default=None,
                        help='output folder (default: COCO_ROOT/semantic/SPLIT)')
    parser.add_argument('--tags-file', default=None,
                        help='also write {file_name: [labels]} JSON here')
    parser.add_argument('--nproc', type=int, default=1,
                        help='number of worker processes (default: 1)')
    parser.add_argument('--overwrite', action='store_true',
                        help='rewrite existing maps')
    return parser.parse_args(argv)


def render_one(task):
    """Render and write one map; ``task`` is ``(ann_file, record, dst)``."""
    from mmlabeleff.datasets.coco_weak import render_semantic_map
    ann_file, rec, dst = task
    try:
        seg = render_semantic_map(rec['instances'], rec['height'],
                                  rec['width'])
    except (ValueError, TypeError, KeyError) as err:
        raise ValueError(f'{ann_file}: image {rec["file_name"]} (id '
                         f'{rec["image_id"]}): {err}') from err
    save_png_atomic(dst, seg)
    return dst


def main(argv=None):
    """Render the maps of one split; returns the number written."""
    args = parse_args(argv)
    from mmlabeleff.datasets.coco_weak import load_coco_instances
    ann_file = args.ann_file or osp.join(args.coco_root, 'annotations',
                                         f'instances_{args.split}.json')
    out_dir = args.out_dir or osp.join(args.coco_root, 'semantic', args.split)
    records, _ = load_coco_instances(ann_file)
    tasks = []
    for rec in records:
        dst = osp.join(out_dir, osp.splitext(rec['file_name'])[0] + '.png')
        if args.overwrite or not osp.exists(dst):
            tasks.append((ann_file, rec, dst))
    if args.nproc <= 1:
        done = [render_one(t) for t in tasks]
    else:
        with multiprocessing.Pool(args.nproc) as pool:
            done = list(pool.imap_unordered(render_one, tasks, chunksize=32))
    if args.tags_file:
        tags = {
            rec['file_name']:
            sorted({inst['bbox_label'] for inst in rec['instances']})
            for rec in records
        }
        dump_json_atomic(args.tags_file, tags)
    print(f'{len(done)} semantic maps written to {out_dir}', file=sys.stderr)
    return len(done)


if __name__ == '__main__':
    main()
