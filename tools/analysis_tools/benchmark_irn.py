"""Benchmark the image-tag pipeline: CAM dump throughput, random-walk stage.

    python tools/analysis_tools/benchmark_irn.py \
        --cam-config configs/irn/cam_efflite0_1xb8-600iter_msrc21-tags-256x256.py \
        --cam-checkpoint work_dirs/irn_msrc21/cam/iter_600.pth \
        --irn-config configs/irn/irn_efflite0_1xb8-300iter_msrc21-tags-256x256.py \
        --irn-checkpoint work_dirs/irn_msrc21/irn/iter_300.pth [--out X.json]

Prints, from one run: CAM dump images per second with 1 and 2 processes
(the same cores: 2 threads x 1 process, 1 thread x 2 processes) and their
ratio; random-walk stage seconds per image with mmlabeleff's sparse op and
with IRN's dense pixels x pixels matrices, their ratio and largest relative
difference. The logic lives in :mod:`mmlabeleff.utils.irn_benchmark`.
"""
import argparse
import os.path as osp
import sys

from mmlabeleff.utils import register_all_modules
from mmlabeleff.utils.atomic_io import dump_json_atomic
from mmlabeleff.utils.irn_benchmark import bench_cam_dump, bench_random_walk_stage


def parse_args(argv=None):
    """Parse the command line."""
    p = argparse.ArgumentParser(description='Benchmark the image-tag pipeline')
    p.add_argument('--cam-config')
    p.add_argument('--cam-checkpoint')
    p.add_argument('--irn-config')
    p.add_argument('--irn-checkpoint')
    p.add_argument('--dump-images', type=int, default=20,
                   help='images of the CAM dump runs (20)')
    p.add_argument('--rw-images', type=int, default=3,
                   help='images of the random-walk comparison (3)')
    p.add_argument('--cpus', type=int, default=2, help='cores shared by the runs (2)')
    p.add_argument('--out', help='write the results as JSON')
    return p.parse_args(argv)


def main(argv=None):
    """Run the benchmarks given; exit 2 with an ``error:`` line on bad input."""
    args = parse_args(argv)
    results = {}
    try:
        for flag in ('cam_config', 'cam_checkpoint', 'irn_config', 'irn_checkpoint'):
            path = getattr(args, flag)
            if path and not osp.isfile(path):
                raise FileNotFoundError(f'{path}: --{flag.replace("_", "-")} not found')
        if bool(args.cam_config) != bool(args.cam_checkpoint) or bool(
                args.irn_config) != bool(args.irn_checkpoint):
            raise ValueError('give a config with its checkpoint')
        if not (args.cam_config or args.irn_config):
            raise ValueError('give --cam-config/--cam-checkpoint and/or '
                             '--irn-config/--irn-checkpoint')
        register_all_modules(init_default_scope=True)
        if args.cam_config:
            rows = bench_cam_dump(args.cam_config, args.cam_checkpoint,
                                  args.dump_images, cpus=args.cpus)
            results['cam_dump'] = rows
            print(f'CAM dump, {args.dump_images} images:')
            for row in rows:
                print(f'  {row["nproc"]} process(es) x {row["threads"]} thread(s): '
                      f'{row["img_per_s"]:.2f} img/s ({row["seconds"]:.1f} s), '
                      f'ratio {row["ratio"]:.2f}')
        if args.irn_config:
            rw = bench_random_walk_stage(args.irn_config, args.irn_checkpoint,
                                         args.rw_images)
            results['random_walk'] = rw
            print(f'Random-walk stage, {rw["images"]} images (maps up to '
                  f'{rw["map_size"][0]}x{rw["map_size"][1]} at stride 4): dense '
                  f'(IRN) {rw["t_dense"]:.3f} s/img, ours {rw["t_ours"]:.3f} s/img, '
                  f'speedup {rw["speedup"]:.1f}x, max rel. diff {rw["max_diff"]:.1e}')
    except (FileNotFoundError, ValueError, RuntimeError, KeyError) as err:
        print(f'error: {err}', file=sys.stderr)
        sys.exit(2)
    if args.out:
        dump_json_atomic(args.out, results, indent=2)
        print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
