"""Save the first samples of a config's dataset with their labels drawn on.

    python tools/misc/browse_dataset.py CONFIG [--output-dir DIR]
        [--max-num 20] [--phase train] [--alpha 0.5] [--thicken 1]
        [--cfg-options k=v ...]

The dataset of ``{phase}_dataloader`` is built as the Runner builds it, so
the pictures show what the model receives (after augmentation). Every label
type is drawn by the config's visualizer (``WeakSegLocalVisualizer``, see
:mod:`mmlabeleff.visualization`), one PNG ``{index:05d}_{image name}.png``
per sample under ``--output-dir``. The tool never opens a window
(``--not-show`` is accepted for compatibility with mmseg's tool).

Semi-supervised configs (a ``ConcatDataset`` of labelled and unlabelled
sources, each through mmdet's ``MultiBranch``) are browsed source by
source (``--max-num`` samples of each, files ``src{k}_...``), every branch
of a sample side by side in one picture: the labelled crop with its mask,
the teacher's weak view and the student's strong view(s) of an unlabelled
crop, as the model receives them (CutMix / ClassMix are applied later, on
the batch, inside the model).
"""
import argparse
import os
import os.path as osp
import sys

from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.utils import ProgressBar

from mmlabeleff.registry import DATASETS
from mmlabeleff.utils import register_all_modules, save_png_atomic
from mmlabeleff.visualization import build_visualizer_for, iter_packed_views


def parse_args(argv=None):
    """Parse the command line (``argv``, default ``sys.argv[1:]``)."""
    parser = argparse.ArgumentParser(
        description='Save dataset samples with their labels drawn on')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--output-dir',
        help='folder for the PNG files (default: '
        'work_dirs/browse_dataset/{config name})')
    parser.add_argument('--max-num', type=int, default=20,
                        help='number of samples, from the start')
    parser.add_argument('--phase', default='train',
                        choices=['train', 'val', 'test'],
                        help='which dataloader\'s dataset to browse')
    parser.add_argument('--alpha', type=float, default=0.5,
                        help='opacity of the dense mask overlay')
    parser.add_argument('--thicken', type=int, default=1,
                        help='display dilation (pixels) of scribbles and '
                        'points; 0 draws them as they are')
    parser.add_argument('--not-show', action='store_true',
                        help='accepted for compatibility with mmseg; this '
                        'tool never opens a window')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value')
    args = parser.parse_args(argv)
    if args.thicken < 0:
        parser.error('--thicken must be at least 0')
    if args.max_num < 1:
        parser.error('--max-num must be at least 1')
    return args


def main(argv=None):
    """Draw the first ``--max-num`` samples of the config's dataset.

    Args:
        argv (list[str], optional): Command-line arguments. Defaults to
            ``sys.argv[1:]``.
    """
    args = parse_args(argv)
    if not osp.isfile(args.config):
        sys.exit(f'error: {args.config}: config file not found')
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    register_all_modules(init_default_scope=False)
    init_default_scope(cfg.get('default_scope', 'mmlabeleff'))
    output_dir = args.output_dir or osp.join(
        'work_dirs', 'browse_dataset',
        osp.splitext(osp.basename(args.config))[0])

    dataset = DATASETS.build(cfg[f'{args.phase}_dataloader'].dataset)
    visualizer = build_visualizer_for(cfg, dataset.metainfo, 'browse_dataset')
    visualizer.alpha, visualizer.thicken = args.alpha, args.thicken

    os.makedirs(output_dir, exist_ok=True)
    sources = getattr(dataset, 'datasets', None) or [dataset]
    progress = ProgressBar(sum(min(args.max_num, len(s)) for s in sources))
    for name, views in iter_packed_views(dataset, args.max_num):
        out_file = osp.join(output_dir, f'{name}.png')
        if len(views) == 1 and views[0][0] is None:
            _, image, data_sample = views[0]
            visualizer.add_datasample(
                name, image, data_sample, draw_pred=False, out_file=out_file)
        else:
            save_png_atomic(out_file, visualizer.draw_views(views))
        progress.update()
    print(f'\nsaved the pictures to {output_dir}')


if __name__ == '__main__':
    main()
