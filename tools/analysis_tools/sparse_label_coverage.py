"""Measure how much of a sparse label survives a config's training pipeline,
with ``WeakResize``'s sparse interpolations (nearest neighbour, label area,
label centre) side by side.

Usage::

    python tools/analysis_tools/sparse_label_coverage.py CONFIG [--num 100]
        [--seed 0] [--out coverage.json] [--cfg-options k=v ...]

    # CamVid scribbles (the config's weak_label) and points
    python tools/analysis_tools/sparse_label_coverage.py \\
        configs/_base_/datasets/camvid_weak.py --num 100
    python tools/analysis_tools/sparse_label_coverage.py \\
        configs/_base_/datasets/camvid_weak.py --num 100 --cfg-options \\
        train_dataloader.dataset.supervision=points \\
        train_dataloader.dataset.weak_label=points_n1

The train dataset is built as the Runner builds it and ``--num`` samples
(drawn with ``--seed``) go through its pipeline once per
``sparse_interpolation`` (``'nearest'``, ``'label_area'``,
``'label_centre'``; same random draws). The table gives, at the original
size (before any geometric transform) and after the pipeline in each mode:
the labelled-pixel fraction of the sparse map (of the non-ignored pixels),
scribbles per sample, connected components per scribble and, when the
dataset loads points, the share of points whose pixel still holds their
class. ``--out`` also writes the numbers as JSON (atomically). A thin
command line of
:func:`mmlabeleff.utils.sparse_label_coverage.measure_sparse_label_coverage`,
whose module defines the measures.
"""
import argparse

from mmlabeleff.apis import load_config
from mmlabeleff.apis.cli import add_cfg_options_argument
from mmlabeleff.utils import dump_json_atomic
from mmlabeleff.utils.sparse_label_coverage import (
    format_coverage_table,
    measure_sparse_label_coverage,
)


def parse_args(argv=None):
    """Parse command-line arguments.

    Args:
        argv (list[str], optional): Defaults to ``sys.argv[1:]``.

    Returns:
        argparse.Namespace: The parsed arguments.
    """
    parser = argparse.ArgumentParser(
        description='Labelled-pixel fraction and scribble fragmentation of '
        'the sparse labels before and after the train pipeline, for each '
        'sparse interpolation of WeakResize')
    parser.add_argument('config', help='config file')
    parser.add_argument('--num', type=int, default=100,
                        help='samples measured (drawn with --seed)')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the draw and of the transforms')
    parser.add_argument('--out', help='also write the numbers to this JSON')
    add_cfg_options_argument(parser)
    args = parser.parse_args(argv)
    if args.num < 1:
        parser.error('--num must be >= 1')
    return args


def main(argv=None):
    """Measure and print the table.

    Args:
        argv (list[str], optional): Defaults to ``sys.argv[1:]``.

    Returns:
        dict: The result of :func:`measure_sparse_label_coverage`.
    """
    args = parse_args(argv)
    try:
        cfg = load_config(args.config, args.cfg_options)
        result = measure_sparse_label_coverage(cfg, args.num, args.seed)
    except (FileNotFoundError, KeyError, ValueError) as err:
        raise SystemExit(f'error: {err}') from None
    dataset = cfg.train_dataloader.dataset
    print(f"{args.config}: {result['num_samples']} train samples (seed "
          f"{args.seed}), supervision {dataset.get('supervision')}, "
          f"weak_label {dataset.get('weak_label')}")
    print(format_coverage_table(result))
    if result['original']['id_overflow']:
        print(f"note: {result['original']['id_overflow']} scribbles share an "
              'id with another (over 254 in one image)')
    if args.out:
        dump_json_atomic(args.out, result, indent=1)
        print(f'wrote {args.out}')
    return result


if __name__ == '__main__':
    main()
