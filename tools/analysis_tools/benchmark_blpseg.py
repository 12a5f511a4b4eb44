"""BLPSeg's cost: training step against partial CE, LAM inference memory.

Usage::

    python tools/analysis_tools/benchmark_blpseg.py \
        [--configs BASELINE OTHER ...] [--repeats 10] [--warmup 2] \
        [--sizes 512 1024] [--skip-memory] [--skip-steps]

Step costs: the models of the configs (default: the CamVid partial-CE row
and BLPSeg, same backbone, decoder, batch and crop) take ``train_step`` on
one shared real CamVid batch in interleaved rounds; the median of each and
its ratio to the first config are printed. Memory: whole-image inference of
the BLPSeg model at each ``--sizes`` (square), in a fresh process per case,
with the dense LAM of the public code and with ours; the dense LAM is skipped
when its N x N maps would not fit in memory. Logic:
:mod:`mmlabeleff.utils.step_benchmark`.
"""
import argparse

from mmlabeleff.apis import load_config
from mmlabeleff.utils.atomic_io import dump_json_atomic
from mmlabeleff.utils.step_benchmark import (
    benchmark_train_steps,
    format_memory_table,
    format_step_table,
    inference_peak_memory,
)

CONFIGS = [
    'configs/blpseg/blpseg-pce_efflite0_1xb8-2k_camvid-scribbles-176x176.py',
    'configs/blpseg/blpseg_efflite0_1xb8-2k_camvid-scribbles-176x176.py',
]


def parse_args(argv=None):
    """Parse command-line arguments.

    Args:
        argv (list[str], optional): Defaults to ``sys.argv[1:]``.

    Returns:
        argparse.Namespace: The parsed arguments.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--configs', nargs='+', default=CONFIGS,
                        help='configs to time; the first is the baseline')
    parser.add_argument('--repeats', type=int, default=10)
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--sizes', type=int, nargs='+', default=[512, 1024],
                        help='square inference sizes for the memory table')
    parser.add_argument('--skip-steps', action='store_true')
    parser.add_argument('--skip-memory', action='store_true')
    parser.add_argument('--out', help='write the results as JSON here')
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.warmup < 0:
        parser.error(f'--repeats must be >= 1 and --warmup >= 0, got '
                     f'{args.repeats} and {args.warmup}')
    if any(size < 32 for size in args.sizes):
        parser.error(f'--sizes must be at least 32 px (the backbone downsamples '
                     f'32x), got {args.sizes}')
    return args


def main(argv=None):
    """Run the benchmarks and print the tables."""
    args = parse_args(argv)
    results = {}
    if not args.skip_steps:
        cfgs = {path.split('/')[-1]: load_config(path) for path in args.configs}
        results['steps'] = benchmark_train_steps(cfgs, args.repeats, args.warmup)
        print(format_step_table(results['steps']))
    if not args.skip_memory:
        cfg = load_config(args.configs[-1])
        rows = []
        for size in args.sizes:
            for dense in (True, False):
                rows.append(inference_peak_memory(cfg, (size, size), dense))
        results['memory'] = rows
        print(format_memory_table(rows))
    if args.out:
        dump_json_atomic(args.out, results, indent=2)


if __name__ == '__main__':
    main()
