"""Draw what a semi-supervised config trains on: views and pseudo labels.

    python tools/analysis_tools/show_semi_batch.py CONFIG \
        [--checkpoint CKPT] [--output-dir DIR] [--num 4] [--seed 0] \
        [--cfg-options k=v ...]

One batch of the config's train dataloader (seeded) goes through the model
as in a training step, without gradient (the model in training mode, so a
FixMatch / UniMatch student labels with the batch's batch-norm statistics
as when training). For each of the first ``--num`` unlabelled images one
PNG ``{k:02d}_{image name}.png`` shows at training resolution the labelled
crop of that batch position with its mask, the teacher's weak view with its
pseudo label, and each strong view after CutMix / ClassMix with the mixed
pseudo label the student is trained towards; pixels the loss drops
(confidence under its threshold, padding) are darkened and the share kept
is in each panel's name. Without ``--checkpoint`` the model has its initial
weights (the pictures then check the views and the mixing only). PNGs are
written atomically. The drawing is :func:`mmlabeleff.apis.draw_semi_batch`.
"""
import argparse
import os.path as osp
import sys

from mmengine.runner import Runner
from mmengine.runner.utils import set_random_seed

from mmlabeleff.apis import draw_semi_batch
from mmlabeleff.apis.cli import add_cfg_options_argument, load_model_or_exit
from mmlabeleff.utils import save_png_atomic
from mmlabeleff.visualization import build_visualizer_for


def parse_args(argv=None):
    """Parse command-line arguments.

    Args:
        argv (list[str], optional): Arguments. Defaults to ``sys.argv[1:]``.

    Returns:
        argparse.Namespace: The parsed arguments.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='semi-supervised config file')
    parser.add_argument('--checkpoint', help='weights of the semi-supervised '
                        'model (its initial weights when omitted)')
    parser.add_argument('--output-dir', help='folder for the PNGs (default: '
                        'work_dirs/show_semi_batch/{config name})')
    parser.add_argument('--num', type=int, default=4,
                        help='unlabelled images to draw')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the data order, augmentation and mixing')
    add_cfg_options_argument(parser)
    args = parser.parse_args(argv)
    if args.num < 1:
        parser.error('--num must be at least 1')
    return args


def main(argv=None):
    """Draw the first ``--num`` unlabelled images of one training batch.

    Args:
        argv (list[str], optional): Arguments. Defaults to ``sys.argv[1:]``.
    """
    args = parse_args(argv)
    cfg, model = load_model_or_exit(args.config, args.checkpoint,
                                    args.cfg_options)
    model.train()
    loader_cfg = cfg.train_dataloader.copy()
    loader_cfg.update(num_workers=0, persistent_workers=False)
    # the order, the pipelines' random draws (random / numpy) and the
    # mixing (torch)
    set_random_seed(args.seed)
    loader = Runner.build_dataloader(loader_cfg, seed=args.seed)
    try:
        pictures = draw_semi_batch(
            model, next(iter(loader)),
            build_visualizer_for(cfg, loader.dataset.metainfo,
                                 'show_semi_batch'), args.num)
    except TypeError as err:
        sys.exit(f'error: {args.config}: {err}')
    output_dir = args.output_dir or osp.join(
        'work_dirs', 'show_semi_batch',
        osp.splitext(osp.basename(args.config))[0])
    for k, (stem, picture) in enumerate(pictures):
        save_png_atomic(osp.join(output_dir, f'{k:02d}_{stem}.png'), picture)
    print(f'wrote {len(pictures)} pictures to {output_dir} (sup | weak + '
          'pseudo label | mixed strong view(s) + target)')


if __name__ == '__main__':
    main()
