r"""Turn a training checkpoint into a slim, hash-named release checkpoint.

Usage::

    python tools/misc/publish_model.py work_dirs/exp/iter_40000.pth \
        release/cam_r50_camvid.pth
    # -> release/cam_r50_camvid-1a2b3c4d.pth

The training-only state is dropped, ``meta`` is reduced to a few
plain-Python fields, the input is read with ``torch.load(weights_only=True)``
and the output is written atomically; see
:func:`mmlabeleff.utils.publish.publish_checkpoint`.
"""
import argparse
import pickle
import sys

from mmlabeleff.utils.publish import publish_checkpoint


def parse_args(argv=None):
    """Parse command-line arguments.

    Args:
        argv (list[str], optional): Arguments to parse. Defaults to
            ``sys.argv[1:]``.

    Returns:
        argparse.Namespace: The parsed arguments.
    """
    parser = argparse.ArgumentParser(
        description='Process a checkpoint to be published')
    parser.add_argument('in_file', help='input checkpoint filename')
    parser.add_argument(
        'out_file',
        help='output checkpoint filename; the published file is '
        '"{out_file stem}-{sha256[:8]}.pth"')
    return parser.parse_args(argv)


def main(argv=None):
    """Publish the checkpoint and print the published file's path.

    Args:
        argv (list[str], optional): Command-line arguments. Defaults to
            ``sys.argv[1:]``.

    Returns:
        int: The process exit status.
    """
    args = parse_args(argv)
    try:
        final_file = publish_checkpoint(args.in_file, args.out_file)
    except (OSError, RuntimeError, ValueError, pickle.UnpicklingError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    print(final_file)
    return 0


if __name__ == '__main__':
    sys.exit(main())
