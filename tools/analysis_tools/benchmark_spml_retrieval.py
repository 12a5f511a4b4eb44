"""Time SPML's retrieval with k-means on the image or on the head's map.

Usage::

    python tools/analysis_tools/benchmark_spml_retrieval.py CONFIG [CHECKPOINT] \
        [--num 4] [--modes input embedding] [--out FILE.json]

CONFIG is a retrieval config (``configs/spml/spml-nn-crf_*``); the first
``--num`` images of its test set (each with its mask as memory label) are
put into a memory and retrieved once per ``cluster_at`` mode, side by side
in one run; the table gives seconds per image, the ratio to the first mode
and how many pixels get the first mode's label. Without CHECKPOINT the
weights are random. Logic:
:func:`mmlabeleff.utils.retrieval_benchmark.benchmark_retrieval`.
"""
import argparse
import sys

from mmengine.dataset import pseudo_collate

from mmlabeleff.apis import load_config
from mmlabeleff.apis.inference import init_model
from mmlabeleff.registry import DATASETS
from mmlabeleff.utils.atomic_io import dump_json_atomic
from mmlabeleff.utils.retrieval_benchmark import (
    benchmark_retrieval,
    format_retrieval_table,
)


def parse_args(argv=None):
    """Parse command-line arguments."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint', nargs='?')
    parser.add_argument('--num', type=int, default=4, help='images (>= 1)')
    parser.add_argument('--modes', nargs='+', default=['input', 'embedding'],
                        choices=['input', 'embedding'])
    parser.add_argument('--out', help='write the rows as JSON here')
    args = parser.parse_args(argv)
    if args.num < 1:
        parser.error(f'--num must be >= 1, got {args.num}')
    return args


def main(argv=None):
    """Run the benchmark and print the table.

    Returns:
        int: 0, or 2 after printing the error of a missing or bad input.
    """
    args = parse_args(argv)
    try:
        cfg = load_config(args.config)
        model = init_model(cfg, args.checkpoint)
        dataset = DATASETS.build(cfg.test_dataloader.dataset)
        num = min(args.num, len(dataset))
        batches = [pseudo_collate([dataset[i]]) for i in range(num)]
        rows = benchmark_retrieval(model, batches, args.modes)
    except (FileNotFoundError, ValueError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    print(format_retrieval_table(rows, num))
    if args.out:
        dump_json_atomic(args.out, dict(rows=rows, images=num), indent=2)
    return 0


if __name__ == '__main__':
    sys.exit(main())
