"""Measure how fast a config's dataloader delivers images, for several
numbers of worker processes side by side.

Usage::

    python tools/analysis_tools/benchmark_data_pipeline.py CONFIG
        [--split train] [--num-batches 50] [--num-warmup 5]
        [--num-workers 0 1 2] [--cfg-options k=v ...]

The ``{split}_dataloader`` of the config is built as the Runner builds it
(:meth:`mmengine.runner.Runner.build_dataloader`, seed 0), once per
``--num-workers`` value, with ``persistent_workers=False``. The first
``--num-warmup`` batches (worker start-up, file-system caches) are not
timed; the next ``--num-batches`` are, and their images are counted. A
finite sampler (val / test) that runs out stops the count early. The tool
prints one table and writes nothing.
"""
import argparse
import sys

from mmlabeleff.apis import load_config
from mmlabeleff.apis.cli import add_cfg_options_argument
from mmlabeleff.utils.dataloader_benchmark import (
    benchmark_dataloader,
    format_throughput_table,
)


def parse_args(argv=None):
    """Parse command-line arguments.

    Args:
        argv (list[str], optional): Defaults to ``sys.argv[1:]``.

    Returns:
        argparse.Namespace: The parsed arguments.
    """
    parser = argparse.ArgumentParser(
        description='Images per second of a dataloader for several '
        'num_workers values')
    parser.add_argument('config', help='config file')
    parser.add_argument('--split', default='train',
                        choices=('train', 'val', 'test'),
                        help='which {split}_dataloader to build')
    parser.add_argument('--num-batches', type=int, default=50,
                        help='batches timed after the warm-up')
    parser.add_argument('--num-warmup', type=int, default=5,
                        help='batches drawn before timing starts')
    parser.add_argument('--num-workers', type=int, nargs='+',
                        default=[0, 1, 2], help='num_workers values to try')
    add_cfg_options_argument(parser)
    args = parser.parse_args(argv)
    if args.num_batches < 1 or args.num_warmup < 0:
        parser.error('--num-batches must be >= 1 and --num-warmup >= 0')
    if any(n < 0 for n in args.num_workers):
        parser.error('--num-workers values must be >= 0')
    return args


def main(argv=None):
    """Time the dataloader for each ``--num-workers`` value; print a table.

    Args:
        argv (list[str], optional): Defaults to ``sys.argv[1:]``.

    Returns:
        dict: ``{num_workers: result}`` (see
        :func:`mmlabeleff.utils.dataloader_benchmark.time_dataloader`).
    """
    args = parse_args(argv)
    try:
        cfg = load_config(args.config, args.cfg_options)
    except FileNotFoundError as err:
        raise SystemExit(f'error: {err}') from None
    loader_cfg = cfg.get(f'{args.split}_dataloader')
    if loader_cfg is None:
        raise SystemExit(f'{args.config} has no {args.split}_dataloader')
    results = benchmark_dataloader(
        cfg, args.split, args.num_workers, num_batches=args.num_batches,
        num_warmup=args.num_warmup)
    print(f'{args.config} ({args.split}, batch_size '
          f"{loader_cfg.get('batch_size')}, {args.num_warmup} warm-up "
          'batches not timed)')
    print(format_throughput_table(results))
    return results


if __name__ == '__main__':
    main()
    sys.exit(0)
