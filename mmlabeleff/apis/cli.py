"""Command-line options shared by the tools, as mmsegmentation spells them."""
import argparse
import os

from mmengine.config import DictAction

__all__ = ['LAUNCHERS', 'add_cfg_options_argument', 'add_launcher_arguments',
           'export_local_rank']

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
