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
import copy
import sys
import time

from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mmlabeleff.utils import register_all_modules


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
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, xxx=yyy (as in tools/train.py)')
    args = parser.parse_args(argv)
    if args.num_batches < 1 or args.num_warmup < 0:
        parser.error('--num-batches must be >= 1 and --num-warmup >= 0')
    if any(n < 0 for n in args.num_workers):
        parser.error('--num-workers values must be >= 0')
    return args


def _num_images(batch) -> int:
    """Images in a collated batch (``inputs`` a list, a stacked tensor or,
    with mmdet's ``MultiBranch``, a dict of those per branch)."""
    inputs = batch['inputs'] if isinstance(batch, dict) else batch
    if isinstance(inputs, dict):
        inputs = next(iter(inputs.values()))
    return len(inputs)


def time_dataloader(loader_cfg: dict, num_workers: int, num_batches: int,
                    num_warmup: int) -> dict:
    """Build a dataloader and time ``num_batches`` batches after a warm-up.

    Args:
        loader_cfg (dict): A ``{split}_dataloader`` config.
        num_workers (int): Worker processes of this run.
        num_batches (int): Batches to time.
        num_warmup (int): Batches to draw first, untimed.

    Returns:
        dict: ``batches``, ``images``, ``seconds`` and ``images_per_s``
        (``batches`` < ``num_batches`` when a finite sampler ran out).
    """
    loader_cfg = copy.deepcopy(loader_cfg)
    loader_cfg.update(num_workers=num_workers, persistent_workers=False)
    loader = Runner.build_dataloader(loader_cfg, seed=0)
    batches = iter(loader)
    try:
        for _ in range(num_warmup):
            next(batches)
        images = count = 0
        start = time.perf_counter()
        for batch in batches:
            images += _num_images(batch)
            count += 1
            if count == num_batches:
                break
        seconds = time.perf_counter() - start
    finally:
        del batches  # stops the worker processes
    return dict(batches=count, images=images, seconds=seconds,
                images_per_s=images / seconds if seconds > 0 else 0.0)


def format_table(results: dict) -> str:
    """Render ``{num_workers: result}`` as columns, one per value."""
    rows = [('num_workers', lambda n, r: str(n)),
            ('images/s', lambda n, r: f"{r['images_per_s']:.1f}"),
            ('batches', lambda n, r: str(r['batches'])),
            ('images', lambda n, r: str(r['images'])),
            ('seconds', lambda n, r: f"{r['seconds']:.2f}")]
    lines = []
    for title, cell in rows:
        cells = ''.join(f'{cell(n, r):>10s}' for n, r in results.items())
        lines.append(f'{title:<12s}{cells}')
    return '\n'.join(lines)


def main(argv=None):
    """Command-line entry point.

    Returns:
        dict: ``{num_workers: result}`` (see :func:`time_dataloader`).
    """
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    register_all_modules(init_default_scope=False)
    init_default_scope(cfg.get('default_scope', 'mmlabeleff'))
    loader_cfg = cfg.get(f'{args.split}_dataloader')
    if loader_cfg is None:
        raise SystemExit(f'{args.config} has no {args.split}_dataloader')
    results = {
        n: time_dataloader(loader_cfg, n, args.num_batches, args.num_warmup)
        for n in args.num_workers
    }
    print(f'{args.config} ({args.split}, batch_size '
          f"{loader_cfg.get('batch_size')}, {args.num_warmup} warm-up "
          'batches not timed)')
    print(format_table(results))
    return results


if __name__ == '__main__':
    main()
    sys.exit(0)
