"""Print the fully resolved config, optionally saving it to a file.

Usage::

    python tools/misc/print_config.py CONFIG [--cfg-options k=v ...]
        [--save-path OUT.{py,json,yml,yaml}]

``_base_`` inheritance (including ``mmseg::`` style package bases) and
``--cfg-options`` overrides are applied before printing, so the output is the
config the Runner would see. The saved file is written atomically: to a
temporary file in the destination folder first, then renamed over the target.
"""
import argparse
import os.path as osp
import sys

from mmengine.config import Config, DictAction
from mmengine.fileio import dump

from mmlabeleff.utils.atomic_io import write_text_atomic

SAVE_SUFFIXES = ('.py', '.json', '.yml', '.yaml')


def parse_args(argv=None):
    """Parse command-line arguments.

    Args:
        argv (list[str], optional): Arguments to parse. Defaults to
            ``sys.argv[1:]``.

    Returns:
        argparse.Namespace: The parsed arguments.
    """
    parser = argparse.ArgumentParser(description='Print the whole config')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--save-path',
        default=None,
        help='also save the resolved config here; the suffix (one of '
        f'{", ".join(SAVE_SUFFIXES)}) selects the format')
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
    return parser.parse_args(argv)


def save_config_atomically(cfg, save_path):
    """Write ``cfg`` to ``save_path`` without ever leaving a partial file.

    The config is rendered in the format its suffix selects (as
    :meth:`mmengine.Config.dump` does) and written with
    :func:`mmlabeleff.utils.atomic_io.write_text_atomic`: a temporary file in
    the destination folder, then :func:`os.replace`.

    Args:
        cfg (mmengine.Config): The config to save.
        save_path (str): Destination; its suffix selects the format.

    Raises:
        ValueError: If the suffix is not one of :data:`SAVE_SUFFIXES`.
    """
    suffix = osp.splitext(save_path)[1].lower()
    if suffix not in SAVE_SUFFIXES:
        raise ValueError(f'--save-path must end with one of {SAVE_SUFFIXES}, '
                         f'got {save_path!r}')
    if suffix == '.py':
        text = cfg.pretty_text
    else:
        text = dump(cfg.to_dict(), file_format=suffix[1:])
    write_text_atomic(save_path, text)


def main(argv=None):
    """Entry point: load, merge overrides, print and optionally save.

    Args:
        argv (list[str], optional): Command-line arguments. Defaults to
            ``sys.argv[1:]``.

    Returns:
        int: The process exit status.
    """
    args = parse_args(argv)
    if not osp.isfile(args.config):
        print(f'error: config file not found: {args.config}', file=sys.stderr)
        return 1
    if args.save_path is not None:
        suffix = osp.splitext(args.save_path)[1].lower()
        if suffix not in SAVE_SUFFIXES:
            print(f'error: --save-path must end with one of '
                  f'{", ".join(SAVE_SUFFIXES)}: {args.save_path}',
                  file=sys.stderr)
            return 1

    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    print(cfg.pretty_text)

    if args.save_path is not None:
        save_config_atomically(cfg, args.save_path)
        print(f'Config saved to {args.save_path}', file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main())
