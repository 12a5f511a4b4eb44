"""Train a segmentor with an mmlabeleff config.

Same command line as mmsegmentation 1.x's ``tools/train.py``::

    python tools/train.py CONFIG [--work-dir DIR] [--resume] [--amp]
        [--cfg-options KEY=VALUE ...] [--launcher none|pytorch|slurm|mpi]

On a machine without CUDA, ``--launcher pytorch`` (``tools/dist_train.sh``)
trains with the gloo backend on CPU. The logic lives in
:mod:`mmlabeleff.apis` (:func:`~mmlabeleff.apis.build_train_config`,
:func:`~mmlabeleff.apis.run_train`).
"""
import argparse
import sys

from mmlabeleff.apis import build_train_config, run_train
from mmlabeleff.apis.cli import (
    add_cfg_options_argument,
    add_launcher_arguments,
    export_local_rank,
)


def parse_args(argv=None):
    """Parse the command line (that of mmsegmentation's ``tools/train.py``).

    Args:
        argv (list[str], optional): Arguments. Defaults to ``sys.argv[1:]``.

    Returns:
        argparse.Namespace: The parsed arguments.
    """
    parser = argparse.ArgumentParser(description='Train a segmentor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        action='store_true',
        default=False,
        help='resume from the latest checkpoint in the work_dir automatically')
    parser.add_argument(
        '--amp',
        action='store_true',
        default=False,
        help='enable automatic-mixed-precision training (needs a GPU)')
    add_cfg_options_argument(parser)
    add_launcher_arguments(parser)
    return export_local_rank(parser.parse_args(argv))


def main(argv=None):
    """Train with the config named on the command line.

    Args:
        argv (list[str], optional): Arguments. Defaults to ``sys.argv[1:]``.
    """
    args = parse_args(argv)
    try:
        cfg = build_train_config(
            args.config, work_dir=args.work_dir, cfg_options=args.cfg_options,
            launcher=args.launcher, amp=args.amp, resume=args.resume)
    except (FileNotFoundError, RuntimeError) as err:
        sys.exit(f'error: {err}')
    run_train(cfg)


if __name__ == '__main__':
    main()
