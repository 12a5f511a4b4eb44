"""Test (evaluate) a checkpoint with an mmlabeleff config.

Same command line as mmsegmentation 1.x's ``tools/test.py``::

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out DIR]
        [--show] [--show-dir DIR] [--wait-time S] [--tta]
        [--cfg-options KEY=VALUE ...] [--launcher none|pytorch|slurm|mpi]

The logic lives in :mod:`mmlabeleff.apis`
(:func:`~mmlabeleff.apis.build_test_config`,
:func:`~mmlabeleff.apis.run_test`).
"""
import argparse
import sys

from mmlabeleff.apis import build_test_config, run_test
from mmlabeleff.apis.cli import (
    add_cfg_options_argument,
    add_launcher_arguments,
    export_local_rank,
)
from mmlabeleff.utils import CorruptCheckpointError, UnsafeCheckpointError


def parse_args(argv=None):
    """Parse the command line (that of mmsegmentation's ``tools/test.py``).

    Args:
        argv (list[str], optional): Arguments. Defaults to ``sys.argv[1:]``.

    Returns:
        argparse.Namespace: The parsed arguments.
    """
    parser = argparse.ArgumentParser(
        description='Test (and eval) a model with an mmlabeleff config')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir',
        help='if specified, the evaluation metric results will be dumped '
        'into the directory as json')
    parser.add_argument(
        '--out',
        type=str,
        help='directory where the predicted label maps are saved as PNG')
    parser.add_argument(
        '--show', action='store_true', help='show prediction results')
    parser.add_argument(
        '--show-dir',
        help='directory where every test image is saved painted with its '
        'prediction (under vis_data/vis_image/)')
    parser.add_argument(
        '--wait-time', type=float, default=2, help='the interval of show (s)')
    add_cfg_options_argument(parser)
    add_launcher_arguments(parser)
    parser.add_argument(
        '--tta', action='store_true', help='Test time augmentation')
    return export_local_rank(parser.parse_args(argv))


def main(argv=None):
    """Evaluate the checkpoint named on the command line.

    Args:
        argv (list[str], optional): Arguments. Defaults to ``sys.argv[1:]``.
    """
    args = parse_args(argv)
    try:
        cfg = build_test_config(
            args.config, args.checkpoint, work_dir=args.work_dir,
            cfg_options=args.cfg_options, launcher=args.launcher,
            out=args.out, show=args.show, show_dir=args.show_dir,
            wait_time=args.wait_time, tta=args.tta)
    except (FileNotFoundError, RuntimeError) as err:
        sys.exit(f'error: {err}')
    try:
        run_test(cfg)
    except (CorruptCheckpointError, UnsafeCheckpointError) as err:
        sys.exit(f'error: {err}')


if __name__ == '__main__':
    main()
