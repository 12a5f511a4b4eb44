"""Command-line options shared by the tools, as mmsegmentation spells them."""
import argparse
import os
import os.path as osp
import sys
from typing import Optional, Tuple

import torch
from mmengine.config import Config, DictAction

from mmlabeleff.utils import CorruptCheckpointError, UnsafeCheckpointError
from .config import load_config
from .inference import init_model

__all__ = ['LAUNCHERS', 'add_cfg_options_argument', 'add_launcher_arguments',
           'export_local_rank', 'load_model_or_exit']

#: The job launchers of mmengine's Runner.
LAUNCHERS = ('none', 'pytorch', 'slurm', 'mpi')


def add_cfg_options_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--cfg-options KEY=VALUE ...`` (parsed into a dict).

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
    """
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file. If the value to '
        'be overwritten is a list, it should be like key="[a,b]" or key=a,b '
        'It also allows nested list/tuple values, e.g. key="[(a,b),(c,d)]" '
        'Note that the quotation marks are necessary and that no white space '
        'is allowed.')


def add_launcher_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--launcher`` and ``--local-rank`` (alias ``--local_rank``).

    ``torch.distributed.launch`` passes ``--local-rank``; torchrun sets the
    ``LOCAL_RANK`` environment variable instead (see
    :func:`export_local_rank`).

    Args:
        parser (argparse.ArgumentParser): The tool's parser.
    """
    parser.add_argument(
        '--launcher', choices=LAUNCHERS, default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def export_local_rank(args: argparse.Namespace) -> argparse.Namespace:
    """Set ``LOCAL_RANK`` from ``--local-rank`` unless the launcher set it.

    Args:
        args (argparse.Namespace): Parsed arguments with ``local_rank``.

    Returns:
        argparse.Namespace: ``args``.
    """
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def load_model_or_exit(config: str, checkpoint: Optional[str],
                       cfg_options: Optional[dict] = None
                       ) -> Tuple[Config, torch.nn.Module]:
    """A tool's config and model, or exit with one line naming the problem.

    A missing config or checkpoint file, and a checkpoint that cannot be
    read (:class:`~mmlabeleff.utils.CorruptCheckpointError`) or holds
    unsafe objects (:class:`~mmlabeleff.utils.UnsafeCheckpointError`),
    end the process with ``error: <file>: <problem>`` instead of a
    traceback.

    Args:
        config (str): Config file.
        checkpoint (str, optional): Checkpoint file; None keeps the
            model's initial weights.
        cfg_options (dict, optional): ``--cfg-options`` overrides.

    Returns:
        tuple: The loaded :class:`~mmengine.config.Config` and the model
        (evaluation mode).
    """
    for path in (config, checkpoint):
        if path is not None and not osp.isfile(path):
            sys.exit(f'error: {path}: file not found')
    cfg = load_config(config, cfg_options)
    try:
        model = init_model(cfg, checkpoint)
    except (CorruptCheckpointError, UnsafeCheckpointError) as err:
        sys.exit(f'error: {err}')
    return cfg, model
