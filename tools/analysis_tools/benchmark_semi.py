"""Semi-supervised training-step cost and peak memory against supervised.

Usage::

    python tools/analysis_tools/benchmark_semi.py [--configs SUP SEMI ...] \
        [--repeats 5] [--warmup 2] [--no-memory] [--device cpu|cuda] \
        [--out FILE.json]

The first config (default: the supervised-only CamVid 1/8 recipe, the
reference recipe on the labelled images: batch of 8 labelled 176x176 crops)
and each semi-supervised recipe (default: Mean Teacher, FixMatch, UniMatch
and CPS on the same split, same DeepLabV3+ EfficientNet-Lite0, 8 labelled +
8 unlabelled crops) take ``train_step`` (preprocessing, teacher and student
forwards, losses, backward, SGD step, plus the EMA update where a recipe has
one) on the first batch of their own train dataloader, in interleaved rounds
so that machine load affects all alike; the median of each and its ratio to
the first are printed. Then each config's peak memory growth over two
training steps is measured in a fresh process. The split files must exist
(``tools/dataset_converters/semi_splits.py camvid data/camvid --out-dir
data/camvid_semi``). Logic: :func:`mmlabeleff.utils.step_benchmark.
benchmark_train_steps` (``own_batches=True``) and
:func:`~mmlabeleff.utils.step_benchmark.train_peak_memory`.
"""
import argparse
import sys

from mmlabeleff.apis import load_config
from mmlabeleff.utils.atomic_io import dump_json_atomic
from mmlabeleff.utils.step_benchmark import (
    benchmark_train_steps,
    format_step_table,
    train_peak_memory,
)

SEMI = 'configs/semi_supervised/'
CONFIGS = [
    SEMI + 'supervised/supervised-mfb_efflite0_1xb8-2k_camvid-semi-1of8-176x176.py',
    SEMI + 'mean_teacher/mean-teacher_efflite0_1xb8-2k_camvid-semi-1of8-176x176.py',
    SEMI + 'fixmatch/fixmatch_efflite0_1xb8-2k_camvid-semi-1of8-176x176.py',
    SEMI + 'unimatch/unimatch_efflite0_1xb8-2k_camvid-semi-1of8-176x176.py',
    SEMI + 'cps/cps_efflite0_1xb8-2k_camvid-semi-1of8-176x176.py',
]


def parse_args(argv=None):
    """Parse command-line arguments."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--configs', nargs='+',
                        help='configs to time; the first is the baseline '
                        '(default: supervised-only and the four CamVid 1/8 '
                        'methods)')
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--no-memory', action='store_true',
                        help='skip the peak-memory runs')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--out', help='write the results as JSON here')
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.warmup < 0:
        parser.error(f'--repeats must be >= 1 and --warmup >= 0, got '
                     f'{args.repeats} and {args.warmup}')
    args.configs = args.configs or CONFIGS
    return args


def main(argv=None):
    """Time the configs, measure their memory, print the tables.

    Returns:
        int: The exit status.
    """
    args = parse_args(argv)
    try:
        cfgs = {path: load_config(path) for path in args.configs}
        rows = benchmark_train_steps(cfgs, repeats=args.repeats,
                                     warmup=args.warmup, device=args.device,
                                     own_batches=True)
    except (FileNotFoundError, ValueError, KeyError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    print(format_step_table(rows))
    if not args.no_memory:
        print('\n| config | peak memory growth MB (2 steps) | s / step |\n'
              '|---|---:|---:|')
        for row in rows:
            row['memory'] = train_peak_memory(cfgs[row['name']])
            mem = row['memory']
            if 'peak_mb' in mem:
                print(f"| {row['name']} | {mem['peak_mb']:.0f} | "
                      f"{mem['seconds']:.2f} |")
            else:
                print(f"| {row['name']} | not run: {mem['error']} | |")
    if args.out:
        dump_json_atomic(args.out, dict(rows=rows, repeats=args.repeats,
                                        warmup=args.warmup,
                                        device=args.device))
    return 0


if __name__ == '__main__':
    sys.exit(main())
