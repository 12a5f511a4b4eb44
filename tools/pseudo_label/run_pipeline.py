"""Run a pseudo-label pipeline (e.g. CAM -> IRN -> segmenter) from one config.

    python tools/pseudo_label/run_pipeline.py PIPELINE_CONFIG [--nproc N] [--dry-run]

Starts at the first stage step whose output is missing (a train step's final
checkpoint, a dump's manifest.json) and runs it and every later step with
tools/train.py / tools/test.py. The logic lives in
:mod:`mmlabeleff.apis.pipeline`.
"""
import argparse
import sys

from mmlabeleff.apis.pipeline import run_pipeline


def parse_args(argv=None):
    """Parse the command line."""
    parser = argparse.ArgumentParser(description='Run a pseudo-label pipeline')
    parser.add_argument('config', help='pipeline config (a `stages` list)')
    parser.add_argument('--nproc', type=int, default=1,
                        help='processes per stage (torchrun); default 1')
    parser.add_argument('--dry-run', action='store_true',
                        help='print the plan without running it')
    return parser.parse_args(argv)


def main(argv=None):
    """Run the pipeline; exit 2 with an ``error:`` line on failure."""
    args = parse_args(argv)
    if args.nproc < 1:
        print('error: --nproc must be >= 1', file=sys.stderr)
        sys.exit(2)
    try:
        run_pipeline(args.config, nproc=args.nproc, dry_run=args.dry_run)
    except (FileNotFoundError, ValueError, RuntimeError) as err:
        print(f'error: {err}', file=sys.stderr)
        sys.exit(2)


if __name__ == '__main__':
    main()
