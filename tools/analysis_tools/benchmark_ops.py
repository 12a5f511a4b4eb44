"""Benchmark the compiled ops against the tools people use today.

Runs side by side in one process and prints time ratios, label agreement and
maximum differences (the logic is :mod:`mmlabeleff.utils.ops_benchmark`):

* ``dense_crf`` (mmlabeleff._ext) against pydensecrf2 on the same images,
  unaries and parameters: one 500x375 image with one thread, and a batch of 8
  images with 2 threads against pydensecrf2 looping over them;
* ``random_walk`` (mmlabeleff._ext) against its pure-PyTorch reference;
* ``bilateral_filter`` (mmlabeleff._ext) against its pure-PyTorch reference on
  CamVid images at segmentation-output sizes, (1, 21, 47, 63) and
  (8, 21, 88, 88), forward and forward + backward (skipped without CamVid).

Differences: dense_crf, the largest absolute difference of the marginals;
random_walk, the relative error ``||ours - ref|| / ||ref||`` (float32; the
float64 error is printed too); bilateral_filter, ``max |ours - ref| / max |ref|``.

Images are CamVid photos (``--camvid``, default ``data/camvid``; its masks give
a realistic 21-channel unary: the true class gets a bonus over smooth random
logits) resized to 500x375, or TextureScenes images when CamVid is absent.
Timings are medians over ``--repeats`` runs after one warm-up run.

Example::

    python tools/analysis_tools/benchmark_ops.py            # all benchmarks
    python tools/analysis_tools/benchmark_ops.py --out work_dirs/bench_ops.json
    python tools/analysis_tools/benchmark_ops.py --skip-crf --skip-random-walk
"""
import argparse
import os
import os.path as osp
import sys

from mmlabeleff.utils.atomic_io import dump_json_atomic
from mmlabeleff.utils.ops_benchmark import (
    bench_bilateral_filter,
    bench_dense_crf,
    bench_random_walk,
    format_table,
    missing_kernels,
)


def parse_args(argv=None):
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--camvid', default='data/camvid',
                        help='CamVid root (images under train/, masks trainannot/)')
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--size', type=int, nargs=2, default=[500, 375],
                        metavar=('W', 'H'), help='dense_crf image size')
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--threads', type=int, default=2,
                        help='threads for the batched runs')
    parser.add_argument('--skip-crf', action='store_true')
    parser.add_argument('--skip-random-walk', action='store_true')
    parser.add_argument('--skip-bilateral', action='store_true')
    parser.add_argument('--out', help='also write the results to this JSON file')
    return parser.parse_args(argv)


def main(argv=None):
    """Run the benchmarks, print a Markdown table, optionally save JSON."""
    args = parse_args(argv)
    missing = missing_kernels()
    if missing:
        sys.exit(f'mmlabeleff._ext lacks {", ".join(missing)}: build it first '
                 '(pip install -e . --no-build-isolation --no-deps)')
    rows = []
    if not args.skip_crf:
        try:
            import pydensecrf.densecrf  # noqa: F401
        except ImportError:
            sys.exit('pydensecrf2 is not installed: '
                     'pip install -r requirements/optional.txt')
        bench_dense_crf(args.camvid, args.batch, tuple(args.size), args.repeats,
                        args.threads, rows)
    if not args.skip_random_walk:
        bench_random_walk(args.repeats, rows)
    if not args.skip_bilateral:
        bench_bilateral_filter(args.camvid, args.repeats, args.threads, rows)
    print()
    print(format_table(rows))
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        dump_json_atomic(args.out, rows, indent=2)
        print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
