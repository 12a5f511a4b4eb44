"""SPML's training-step cost against a plain cross-entropy step.

Usage::

    python tools/analysis_tools/benchmark_spml.py [--configs BASE SPML ...] \
        [--tags] [--max-anchors N ...] [--repeats 10] [--warmup 2] \
        [--synthetic] [--batch-size N] [--device cpu|cuda] [--out FILE.json]

The models of the configs (default: the CamVid partial-CE row and the SPML
scribbles and points recipes, same EfficientNet-Lite0, batch and crop) take
``train_step`` (preprocessing, forward, k-means and every loss term,
backward, SGD step) on one shared real CamVid batch in interleaved rounds;
the median of each and its ratio to the first config are printed, with the
issue's target (at most 1.5x). ``--synthetic`` times a seeded random batch
(scribbles and a block over-segmentation) at the first config's crop size,
for recipes whose data is not here (e.g. the VOC ones). ``--tags`` times
the MSRC-21 image-tag recipe against its partial-CE twin instead (CAM
pseudo labels and tags: both semantic terms compare every pixel with every
segment). ``--max-anchors N`` adds, for every SPML config, a row with
``decode_head.max_anchors=N`` (anchor pixels of the semantic terms drawn
at random). Logic: :func:`mmlabeleff.utils.step_benchmark.
benchmark_train_steps` and :func:`~mmlabeleff.utils.step_benchmark.
with_max_anchors`.
"""
import argparse
import sys

from mmlabeleff.apis import load_config
from mmlabeleff.utils.atomic_io import dump_json_atomic
from mmlabeleff.utils.step_benchmark import (
    benchmark_train_steps,
    format_step_table,
    with_max_anchors,
)

CONFIGS = [
    'configs/spml/spml-pce_efflite0_1xb8-2k_camvid-scribbles-176x176.py',
    'configs/spml/spml_efflite0_1xb8-2k_camvid-scribbles-176x176.py',
    'configs/spml/spml_efflite0_1xb8-2k_camvid-points-176x176.py',
]
TAG_CONFIGS = [
    'configs/spml/spml-pce_efflite0_1xb8-2k_msrc21-tags-176x176.py',
    'configs/spml/spml_efflite0_1xb8-2k_msrc21-tags-176x176.py',
]
TARGET_RATIO = 1.5


def parse_args(argv=None):
    """Parse command-line arguments."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--configs', nargs='+',
                        help='configs to time; the first is the baseline '
                        '(default: the CamVid scribbles / points rows)')
    parser.add_argument('--tags', action='store_true',
                        help='time the MSRC-21 image-tag recipe against its '
                        'partial-CE twin (instead of --configs)')
    parser.add_argument('--max-anchors', type=int, nargs='+', default=[],
                        metavar='N', help='add a row per SPML config and N '
                        'with decode_head.max_anchors=N')
    parser.add_argument('--repeats', type=int, default=10)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--synthetic', action='store_true',
                        help='time a seeded random batch at the crop size of '
                        'the first config instead of its data')
    parser.add_argument('--batch-size', type=int,
                        help="images per step, at least 2 (default: the "
                        "config's)")
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--out', help='write the results as JSON here')
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.warmup < 0:
        parser.error(f'--repeats must be >= 1 and --warmup >= 0, got '
                     f'{args.repeats} and {args.warmup}')
    if args.batch_size is not None and args.batch_size < 2:
        parser.error(f'--batch-size must be >= 2, got {args.batch_size}')
    if args.tags and args.configs:
        parser.error('--tags and --configs exclude each other')
    if any(n < 1 for n in args.max_anchors):
        parser.error(f'--max-anchors must be >= 1, got {args.max_anchors}')
    args.configs = args.configs or (TAG_CONFIGS if args.tags else CONFIGS)
    if len(args.configs) < 2:
        parser.error('--configs needs a baseline and at least one more')
    return args


def main(argv=None):
    """Time the steps and print the table.

    Returns:
        int: 0, or 2 after printing the error of a missing or bad input.
    """
    args = parse_args(argv)
    try:
        cfgs = {path.split('/')[-1]: load_config(path) for path in args.configs}
        cfgs = with_max_anchors(cfgs, args.max_anchors)
        rows = benchmark_train_steps(
            cfgs, args.repeats, args.warmup, batch_size=args.batch_size,
            synthetic=args.synthetic, device=args.device)
    except (FileNotFoundError, ValueError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    print(format_step_table(rows))
    worst = max(row['ratio'] for row in rows[1:])
    verdict = 'meets' if worst <= TARGET_RATIO else 'misses'
    print(f'largest ratio {worst:.2f}x {verdict} the target of '
          f'{TARGET_RATIO:.1f}x')
    if args.out:
        dump_json_atomic(args.out, dict(steps=rows, target=TARGET_RATIO),
                         indent=2)
    return 0


if __name__ == '__main__':
    sys.exit(main())
