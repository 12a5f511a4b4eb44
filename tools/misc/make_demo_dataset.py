"""Generate TextureScenes, the offline demo segmentation dataset.

Usage::

    python tools/misc/make_demo_dataset.py [--out-dir data/texture_scenes]
        [--num-train 200] [--num-val 50] [--size 128 [128]] [--seed 0]
        [--force]

Scenes are drawn deterministically from texture photographs that ship inside
the scikit-image wheel (no download; see
``mmlabeleff/datasets/generators/texture_scenes.py`` for the sources and licences). Run
twice with the same arguments and the second run does nothing; the folder is
written atomically (a temporary sibling renamed into place).
"""
import argparse
import sys
import time

from mmlabeleff.datasets.generators import make_texture_scenes


def parse_args(argv=None):
    """Parse command-line arguments.

    Args:
        argv (list[str], optional): Arguments to parse. Defaults to
            ``sys.argv[1:]``.

    Returns:
        argparse.Namespace: The parsed arguments.
    """
    parser = argparse.ArgumentParser(
        description='Generate the TextureScenes demo dataset (no download)')
    parser.add_argument(
        '--out-dir', default='data/texture_scenes', help='dataset root')
    parser.add_argument(
        '--num-train', type=int, default=200, help='number of train scenes')
    parser.add_argument(
        '--num-val', type=int, default=50, help='number of val scenes')
    parser.add_argument(
        '--size',
        type=int,
        nargs='+',
        default=[128, 128],
        metavar='PX',
        help='scene size: one value (square) or H W')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument(
        '--force',
        action='store_true',
        help='rebuild even if an up-to-date dataset is present')
    args = parser.parse_args(argv)
    if len(args.size) not in (1, 2):
        parser.error('--size takes one value (square) or two (H W)')
    return args


def main(argv=None):
    """Generate the dataset and print a summary.

    Args:
        argv (list[str], optional): Command-line arguments.

    Returns:
        int: The exit status.
    """
    args = parse_args(argv)
    size = args.size * 2 if len(args.size) == 1 else args.size
    start = time.perf_counter()
    try:
        meta = make_texture_scenes(
            args.out_dir,
            num_train=args.num_train,
            num_val=args.num_val,
            size=tuple(size),
            seed=args.seed,
            force=args.force)
    except ValueError as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - start
    state = 'generated' if meta['created'] else 'already up to date'
    h, w = meta['params']['size']
    print(f'TextureScenes {state} at {meta["out_dir"]} ({elapsed:.1f} s)')
    print(f'  scenes: {meta["counts"]["train"]} train, '
          f'{meta["counts"]["val"]} val, {h}x{w}, '
          f'seed {meta["params"]["seed"]}')
    print('  class (pixel fraction in train) <- texture, licence:')
    fractions = meta['class_pixel_fraction']['train']
    for src, frac in zip(meta['sources'], fractions, strict=True):
        print(f'    {src["class_id"]} {src["name"]:<10} ({frac:.3f}) <- '
              f'{src["skimage_function"]}, {src["license"]}')
    print(f'  content sha256: {meta["content_sha256"]}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
