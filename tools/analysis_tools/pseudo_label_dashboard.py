"""Draw the pseudo-label dashboard of a finished image-tag pipeline.

    python tools/analysis_tools/pseudo_label_dashboard.py CAM_CONFIG IRN_CONFIG \
        --out-dir DIR [--num N]

Writes DIR/images/<id>.png (image | CAM of each tag | seed | random walk |
CRF | ground truth), DIR/seed_curve.png and DIR/summary.md (stage table and
per-class IoU). The logic lives in :mod:`mmlabeleff.apis.pseudo_label_dashboard`.
"""
import argparse
import sys

from mmlabeleff.apis.pseudo_label_dashboard import build_dashboard
from mmlabeleff.utils import register_all_modules


def parse_args(argv=None):
    """Parse the command line."""
    parser = argparse.ArgumentParser(description='Pseudo-label dashboard')
    parser.add_argument('cam_config', help='CAM stage config (its dump_dir)')
    parser.add_argument('irn_config', help='affinity stage config (pseudo masks)')
    parser.add_argument('--out-dir', required=True, help='output folder')
    parser.add_argument('--num', type=int, default=8, help='images drawn (8)')
    return parser.parse_args(argv)


def main(argv=None):
    """Write the dashboard; exit 2 with an ``error:`` line on bad input."""
    args = parse_args(argv)
    if args.num < 0:
        print('error: --num must be >= 0', file=sys.stderr)
        sys.exit(2)
    register_all_modules(init_default_scope=True)
    try:
        table = build_dashboard(args.cam_config, args.irn_config, args.out_dir,
                                num_images=args.num)
    except (FileNotFoundError, ValueError, KeyError) as err:
        print(f'error: {err}', file=sys.stderr)
        sys.exit(2)
    for stage, row in table.items():
        print(f'{stage:12s} mIoU {row["mIoU"]:6.2f}  '
              f'labelled {row["mIoU_labelled"]:6.2f}  coverage {row["coverage"]:5.1f}')
    print(f'wrote {args.out_dir}/summary.md, seed_curve.png, images/')


if __name__ == '__main__':
    main()
