"""Compare a weak-label run with a fully supervised run (``make demo``).

    python tools/misc/demo_summary.py \
        --full FULL_CONFIG FULL_CHECKPOINT \
        --weak WEAK_CONFIG WEAK_CHECKPOINT \
        --out summary.png [--json summary.json] [--num 4] [--scale 2]

Both checkpoints are evaluated on their config's test set (the mIoU that
``tools/test.py`` reports), and a table gives each run's training labels,
its mIoU and the weak run's mIoU as a fraction of the full run's. The PNG
shows, for ``--num`` train images (weak labels exist for train images
only), ``image | weak label (trained on) | weak-label prediction | ground
truth``. The PNG and the JSON are written atomically (temporary file, then
rename). The logic is :func:`mmlabeleff.apis.summarize_weak_vs_full`.
"""
import argparse
import os.path as osp
import sys

from mmlabeleff.apis import format_summary_table, summarize_weak_vs_full
from mmlabeleff.utils import dump_json_atomic, save_png_atomic


def parse_args(argv=None):
    """Parse command-line arguments.

    Args:
        argv (list[str], optional): Arguments. Defaults to ``sys.argv[1:]``.

    Returns:
        argparse.Namespace: The parsed arguments.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--full', nargs=2, required=True,
                        metavar=('CONFIG', 'CHECKPOINT'),
                        help='the fully supervised run')
    parser.add_argument('--weak', nargs=2, required=True,
                        metavar=('CONFIG', 'CHECKPOINT'),
                        help='the weak-label run')
    parser.add_argument('--out', required=True, help='output PNG file')
    parser.add_argument('--json', help='also write the summary to this JSON '
                        'file')
    parser.add_argument('--num', type=int, default=4,
                        help='train images drawn (rows)')
    parser.add_argument('--scale', type=int, default=2,
                        help='integer enlargement of the pictures')
    parser.add_argument('--device', default='cpu')
    args = parser.parse_args(argv)
    if args.num < 1 or args.scale < 1:
        parser.error('--num and --scale must be at least 1')
    return args


def main(argv=None):
    """Evaluate both runs, print the table, write the picture (and JSON).

    Args:
        argv (list[str], optional): Arguments. Defaults to ``sys.argv[1:]``.
    """
    args = parse_args(argv)
    for path in (*args.full, *args.weak):
        if not osp.isfile(path):
            sys.exit(f'error: {path}: file not found')
    summary, grid = summarize_weak_vs_full(
        tuple(args.full), tuple(args.weak), num=args.num, scale=args.scale,
        device=args.device)
    save_png_atomic(args.out, grid)
    if args.json:
        dump_json_atomic(args.json, summary, indent=1)
    print(format_summary_table(summary))
    print(f'wrote {args.out} ({len(summary["picture"]["images"])} train '
          'images: image | weak label (trained on) | weak-label prediction '
          '| ground truth)')
    if args.json:
        print(f'wrote {args.json}')


if __name__ == '__main__':
    main()
