"""Print the fully resolved config, optionally saving it to a file.

Usage::

    python tools/misc/print_config.py CONFIG [--cfg-options k=v ...]
        [--save-path OUT.{py,json,yml,yaml}]

``_base_`` inheritance (including ``mmseg::`` style package bases) and
``--cfg-options`` overrides are applied before printing, so the output is the
config the Runner would see. The saved file is written atomically
(:func:`mmlabeleff.apis.save_config`).
"""
import argparse
import os.path as osp
import sys

from mmlabeleff.apis import CONFIG_SAVE_SUFFIXES, load_config, save_config
from mmlabeleff.apis.cli import add_cfg_options_argument


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
        f'{", ".join(CONFIG_SAVE_SUFFIXES)}) selects the format')
    add_cfg_options_argument(parser)
    return parser.parse_args(argv)


def main(argv=None):
    """Load the config, merge the overrides, print and optionally save it.

    Args:
        argv (list[str], optional): Command-line arguments. Defaults to
            ``sys.argv[1:]``.

    Returns:
        int: The process exit status.
    """
    args = parse_args(argv)
    if (args.save_path is not None and osp.splitext(args.save_path)[1].lower()
            not in CONFIG_SAVE_SUFFIXES):
        print(f'error: --save-path must end with one of '
              f'{", ".join(CONFIG_SAVE_SUFFIXES)}: {args.save_path}',
              file=sys.stderr)
        return 1
    try:
        cfg = load_config(args.config, args.cfg_options)
    except FileNotFoundError as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    print(cfg.pretty_text)
    if args.save_path is not None:
        save_config(cfg, args.save_path)
        print(f'Config saved to {args.save_path}', file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main())
