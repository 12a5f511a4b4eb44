"""ST++'s reliable-image selection from the label dumps of K checkpoints.

    python tools/pseudo_label/select_reliable.py --dumps DUMP_1 ... DUMP_K \
        --split UNLABELED_SPLIT --out-dir OUT --num-classes N [--ratio 0.5]

Scores each unlabelled image by the mean IoU of the earlier checkpoints'
predictions (``DUMP_j/<id>.png``) against the final one's (``DUMP_K``) and
writes the most stable half as ``OUT/reliable.txt``, the rest as
``OUT/unreliable.txt`` (lines of the split file) and the scores as
``OUT/scores.json``. Logic: :mod:`mmlabeleff.apis.reliable_selection`.
"""
import argparse
import sys

from mmlabeleff.apis.reliable_selection import select_reliable


def parse_args(argv=None):
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--dumps', nargs='+', required=True,
                        help='prediction folders, earlier checkpoints first, '
                        'the final one last')
    parser.add_argument('--split', required=True,
                        help='the unlabelled split file')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--num-classes', type=int, required=True)
    parser.add_argument('--ratio', type=float, default=0.5,
                        help='fraction of reliable images (default 0.5)')
    return parser.parse_args(argv)


def main(argv=None):
    """Select and print the counts; exit 2 with an ``error:`` line."""
    args = parse_args(argv)
    try:
        out = select_reliable(args.dumps, args.split, args.out_dir,
                              args.num_classes, args.ratio)
    except (FileNotFoundError, ValueError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    print(f"{out['num_reliable']} reliable ({out['reliable']}), "
          f"{out['num_unreliable']} unreliable ({out['unreliable']})")
    return 0


if __name__ == '__main__':
    sys.exit(main())
