"""Score a folder of label maps against the ground truth of a split.

    python tools/pseudo_label/score_pseudo_labels.py DUMP_DIR \
        --split SPLIT --data-root ROOT --dataset NAME [--out FILE.json]

``DUMP_DIR/<id>.png`` is scored against the mask of each image of
``SPLIT`` (a split file the registered dataset ``NAME`` reads as its
``ann_file`` under ``ROOT``; the dataset's label map applies, e.g. CamVid's
void -> 255), e.g. ST++'s final labels on its reliable and unreliable
halves. Prints mIoU, aAcc, mAcc, coverage and the per-class IoU; ``--out``
also writes them as JSON (atomically). Logic:
:func:`mmlabeleff.apis.reliable_selection.score_pseudo_labels`.
"""
import argparse
import json
import os.path as osp
import sys

from mmlabeleff.apis.reliable_selection import score_pseudo_labels
from mmlabeleff.registry import DATASETS
from mmlabeleff.utils import register_all_modules, write_text_atomic


def parse_args(argv=None):
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('dump_dir', help='folder of <id>.png label maps')
    parser.add_argument('--split', required=True,
                        help='split file (the dataset\'s ann_file format)')
    parser.add_argument('--data-root', required=True,
                        help='the dataset\'s data root')
    parser.add_argument('--dataset', required=True,
                        help='registered dataset type, e.g. CamVidDataset')
    parser.add_argument('--out', help='write the results as JSON')
    return parser.parse_args(argv)


def main(argv=None):
    """Score and print; exit 2 with an ``error:`` line on bad input."""
    args = parse_args(argv)
    register_all_modules(init_default_scope=True)
    try:
        if not osp.isfile(args.split):
            raise FileNotFoundError(f'{args.split}: split file not found')
        if DATASETS.get(args.dataset) is None:
            raise ValueError(f'--dataset {args.dataset}: not a registered '
                             'dataset')
        dataset = DATASETS.build(dict(
            type=args.dataset, data_root=args.data_root,
            ann_file=osp.abspath(args.split), pipeline=[]))
        results = score_pseudo_labels(args.dump_dir, dataset)
    except (FileNotFoundError, ValueError, KeyError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    print(f"{results['num_images']} images: mIoU {results['mIoU']:.2f}, "
          f"aAcc {results['aAcc']:.2f}, mAcc {results['mAcc']:.2f}, "
          f"coverage {results['coverage']:.2f}")
    for name, iou in results['IoU'].items():
        print(f'  {name:>12s} {iou:6.2f}')
    if args.out:
        write_text_atomic(args.out, json.dumps(results, indent=1, default=float))
    return 0


if __name__ == '__main__':
    sys.exit(main())
