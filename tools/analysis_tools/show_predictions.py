"""Draw a grid of image | ground truth | prediction for a few val images.

    python tools/analysis_tools/show_predictions.py CONFIG CHECKPOINT \
        --out predictions.png [--num 6] [--split val]

The PNG is written atomically (temporary file, then rename). The drawing is
:func:`mmlabeleff.apis.draw_prediction_grid`.
"""
import argparse

from mmlabeleff.apis import draw_prediction_grid
from mmlabeleff.apis.cli import add_cfg_options_argument, load_model_or_exit
from mmlabeleff.registry import DATASETS
from mmlabeleff.utils import save_png_atomic


def parse_args(argv=None):
    """Parse command-line arguments.

    Args:
        argv (list[str], optional): Arguments. Defaults to ``sys.argv[1:]``.

    Returns:
        argparse.Namespace: The parsed arguments.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', required=True, help='output PNG file')
    parser.add_argument('--num', type=int, default=6, help='number of images')
    parser.add_argument('--split', default='val', choices=['val', 'test'],
                        help='which dataloader\'s dataset to draw from')
    add_cfg_options_argument(parser)
    return parser.parse_args(argv)


def main(argv=None):
    """Predict ``--num`` images of the split and save the grid to ``--out``.

    Args:
        argv (list[str], optional): Arguments. Defaults to ``sys.argv[1:]``.
    """
    args = parse_args(argv)
    cfg, model = load_model_or_exit(args.config, args.checkpoint,
                                    args.cfg_options)
    dataset = DATASETS.build(cfg[f'{args.split}_dataloader'].dataset)
    save_png_atomic(args.out, draw_prediction_grid(model, dataset, args.num))
    print(f'wrote {args.out} ({args.num} rows: image | ground truth | '
          'prediction)')


if __name__ == '__main__':
    main()
