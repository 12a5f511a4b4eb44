"""BLPSeg's cost: training step against partial CE, LAM inference memory.

Usage::

    python tools/analysis_tools/benchmark_blpseg.py \
        [--configs BASELINE OTHER ...] [--repeats 10] [--warmup 2] \
        [--synthetic] [--batch-size N] [--device cpu|cuda] \
        [--sizes 512 1024] [--skip-memory] [--skip-steps]

Step costs: the models of the configs (default: the CamVid partial-CE row
and BLPSeg, same backbone, decoder, batch and crop) take ``train_step`` on
one shared real CamVid batch in interleaved rounds; the median of each and
its ratio to the first config are printed, with the ratio that the last
config's LAM arithmetic alone implies (its matrix products' multiply-adds
against three forward passes of the first config). ``--synthetic`` times a
seeded batch of random images with simulated scribbles at the first
config's crop size instead, for recipes whose data is not here, e.g. the
paper's VOC recipe::

    python tools/analysis_tools/benchmark_blpseg.py --configs \
        configs/blpseg/blpseg-pce_r101_2xb5-42320iter_voc12aug-scribbles-384x384.py \
        configs/blpseg/blpseg_r101_2xb5-42320iter_voc12aug-scribbles-384x384.py \
        --synthetic --batch-size 2 --skip-memory

``--batch-size`` overrides the config's batch; ``--device cuda`` times the
steps on a GPU (each between two ``torch.cuda.synchronize`` calls, AMP
recipes with AMP). Memory: whole-image inference
of the BLPSeg model at each ``--sizes`` (square), in a fresh process per
case, with the dense LAM of the public code and with ours; the dense LAM is
skipped when its N x N maps would not fit in memory. Logic:
:mod:`mmlabeleff.utils.step_benchmark`.
"""
import argparse
import sys

from mmlabeleff.apis import load_config
from mmlabeleff.utils.atomic_io import dump_json_atomic
from mmlabeleff.utils.step_benchmark import (
    benchmark_train_steps,
    format_bound_table,
    format_memory_table,
    format_step_table,
    inference_peak_memory,
    step_ratio_bound,
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
    parser.add_argument('--synthetic', action='store_true',
                        help='time a seeded random batch at the crop size of '
                        'the first config instead of its data')
    parser.add_argument('--batch-size', type=int,
                        help="images per step, at least 2 (BatchNorm's PPM "
                        "branch needs two) (default: the config's)")
    parser.add_argument('--device', default='cpu',
                        help="where the training steps run: 'cpu' or 'cuda' "
                        '(AMP recipes keep AMP only on cuda)')
    parser.add_argument('--sizes', type=int, nargs='+', default=[512, 1024],
                        help='square inference sizes for the memory table')
    parser.add_argument('--skip-steps', action='store_true')
    parser.add_argument('--skip-memory', action='store_true')
    parser.add_argument('--out', help='write the results as JSON here')
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.warmup < 0:
        parser.error(f'--repeats must be >= 1 and --warmup >= 0, got '
                     f'{args.repeats} and {args.warmup}')
    if args.batch_size is not None and args.batch_size < 2:
        parser.error(f'--batch-size must be >= 2 (BatchNorm in training needs '
                     f'two samples), got {args.batch_size}')
    if any(size < 32 for size in args.sizes):
        parser.error(f'--sizes must be at least 32 px (the backbone downsamples '
                     f'32x), got {args.sizes}')
    return args


def main(argv=None):
    """Run the benchmarks and print the tables.

    Returns:
        int: 0, or 2 after printing the error of a missing or bad input (a
        config, a device that is not there).
    """
    args = parse_args(argv)
    try:
        run(args)
    except (FileNotFoundError, ValueError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    return 0


def run(args):
    """Run the benchmarks that ``args`` ask for and print their tables."""
    results = {}
    loaded = [load_config(path) for path in args.configs]
    base, last = loaded[0], loaded[-1]
    if not args.skip_steps:
        cfgs = {path.split('/')[-1]: cfg
                for path, cfg in zip(args.configs, loaded)}
        results['steps'] = benchmark_train_steps(
            cfgs, args.repeats, args.warmup, batch_size=args.batch_size,
            synthetic=args.synthetic, device=args.device)
        print(format_step_table(results['steps']))
        if last.model.decode_head.get('lam'):
            results['bound'] = step_ratio_bound(
                base, last, last.model.data_preprocessor.size)
            print(format_bound_table(results['bound']))
    if not args.skip_memory:
        rows = []
        for size in args.sizes:
            for dense in (True, False):
                rows.append(inference_peak_memory(last, (size, size), dense))
        results['memory'] = rows
        print(format_memory_table(rows))
    if args.out:
        dump_json_atomic(args.out, results, indent=2)


if __name__ == '__main__':
    sys.exit(main())
