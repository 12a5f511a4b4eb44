"""Save the first samples of a config's dataset with their labels drawn on.

Usage::

    python tools/misc/browse_dataset.py CONFIG [--output-dir DIR]
        [--max-num 20] [--phase train] [--alpha 0.5] [--cfg-options k=v ...]

The dataset of ``{phase}_dataloader`` is built exactly as the Runner builds
it, pipeline included, so the pictures show what the model receives (after
augmentation). Each sample is drawn by the drawer of its label type (see
:data:`LABEL_DRAWERS`) with mmseg's ``SegLocalVisualizer`` and written as a
PNG file ``{index:05d}_{image name}.png`` under ``--output-dir``. The tool is
headless: it never opens a window (``--not-show`` is accepted for
compatibility with mmseg's tool and changes nothing).
"""
import argparse
import os
import os.path as osp
import sys

import numpy as np
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.utils import ProgressBar
from mmseg.visualization import SegLocalVisualizer

from mmlabeleff.registry import DATASETS
from mmlabeleff.utils import register_all_modules


def parse_args(argv=None):
    """Parse command-line arguments.

    Args:
        argv (list[str], optional): Arguments to parse. Defaults to
            ``sys.argv[1:]``.

    Returns:
        argparse.Namespace: The parsed arguments.
    """
    parser = argparse.ArgumentParser(
        description='Save dataset samples with their labels drawn on')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--output-dir',
        default=None,
        help='folder for the PNG files (default: '
        'work_dirs/browse_dataset/{config name})')
    parser.add_argument(
        '--max-num',
        type=int,
        default=20,
        help='number of samples to draw, from the start of the dataset')
    parser.add_argument(
        '--phase',
        default='train',
        choices=['train', 'val', 'test'],
        help='which dataloader\'s dataset to browse')
    parser.add_argument(
        '--alpha', type=float, default=0.5, help='opacity of the label overlay')
    parser.add_argument(
        '--not-show',
        action='store_true',
        help='accepted for compatibility with mmseg; this tool never opens '
        'a window')
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
    args = parser.parse_args(argv)
    if args.max_num < 1:
        parser.error('--max-num must be at least 1')
    return args


def to_rgb_image(inputs):
    """Convert a packed ``inputs`` tensor (C, H, W, BGR) to an RGB array.

    Args:
        inputs (torch.Tensor): The image as packed by ``PackSegInputs``.

    Returns:
        np.ndarray: A contiguous (H, W, 3) uint8 RGB image.
    """
    img = inputs.detach().cpu().numpy().transpose(1, 2, 0)
    if img.shape[2] == 1:
        img = np.repeat(img, 3, axis=2)
    img = img[..., 2::-1]  # BGR -> RGB (first three channels)
    if img.dtype != np.uint8:
        img = np.clip(img, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(img)


def draw_dense_mask(visualizer, name, image, data_sample, out_file):
    """Draw a dense ground-truth mask (``gt_sem_seg``) over the image.

    Args:
        visualizer (SegLocalVisualizer): Visualizer with ``dataset_meta``.
        name (str): Name of the picture.
        image (np.ndarray): RGB image, (H, W, 3) uint8.
        data_sample (SegDataSample): Sample holding ``gt_sem_seg``.
        out_file (str): PNG file to write.
    """
    visualizer.add_datasample(
        name,
        image,
        data_sample,
        draw_gt=True,
        draw_pred=False,
        show=False,
        out_file=out_file)


def draw_image_only(visualizer, name, image, data_sample, out_file):
    """Save the image alone, for samples without any label.

    Args:
        visualizer (SegLocalVisualizer): Visualizer with ``dataset_meta``.
        name (str): Name of the picture.
        image (np.ndarray): RGB image, (H, W, 3) uint8.
        data_sample (SegDataSample): The (label-less) sample.
        out_file (str): PNG file to write.
    """
    visualizer.add_datasample(
        name, image, None, draw_gt=False, draw_pred=False, out_file=out_file)


# Label type (as named by :func:`label_type_of`) -> drawer.
LABEL_DRAWERS = {
    'dense': draw_dense_mask,
    'none': draw_image_only,
}


def label_type_of(data_sample):
    """Name the kind of label a data sample carries.

    Args:
        data_sample (SegDataSample): A packed sample.

    Returns:
        str: A key of :data:`LABEL_DRAWERS`.
    """
    if 'gt_sem_seg' in data_sample:
        return 'dense'
    return 'none'


def build_visualizer(dataset, alpha):
    """Build a headless ``SegLocalVisualizer`` for ``dataset``.

    Args:
        dataset (torch.utils.data.Dataset): Dataset with ``metainfo``
            holding ``classes`` and ``palette``.
        alpha (float): Opacity of the label overlay.

    Returns:
        SegLocalVisualizer: The visualizer, with ``dataset_meta`` set.
    """
    metainfo = getattr(dataset, 'metainfo', None) or {}
    classes = metainfo.get('classes')
    palette = metainfo.get('palette')
    if not classes or not palette:
        raise ValueError('the dataset metainfo must define "classes" and '
                         f'"palette" to draw labels; got keys {list(metainfo)}')
    visualizer = SegLocalVisualizer(
        name='mmlabeleff_browse_dataset', alpha=alpha)
    visualizer.set_dataset_meta(
        classes=classes,
        palette=palette,
        dataset_name=metainfo.get('dataset_name'))
    return visualizer


def browse(cfg, output_dir, max_num=20, phase='train', alpha=0.5):
    """Draw the first ``max_num`` samples of a config's dataset.

    Args:
        cfg (mmengine.Config): The full config.
        output_dir (str): Folder for the PNG files (created if needed).
        max_num (int): Number of samples to draw. Defaults to 20.
        phase (str): ``'train'``, ``'val'`` or ``'test'``: the dataloader
            whose dataset is browsed. Defaults to ``'train'``.
        alpha (float): Opacity of the label overlay. Defaults to 0.5.

    Returns:
        list[str]: The written files, in dataset order.
    """
    register_all_modules(init_default_scope=False)
    init_default_scope(cfg.get('default_scope', 'mmlabeleff'))
    dataset = DATASETS.build(cfg[f'{phase}_dataloader']['dataset'])
    visualizer = build_visualizer(dataset, alpha)
    os.makedirs(output_dir, exist_ok=True)

    num = min(max_num, len(dataset))
    written = []
    progress = ProgressBar(num)
    for index in range(num):
        item = dataset[index]
        data_sample = item['data_samples']
        image = to_rgb_image(item['inputs'])
        img_path = data_sample.metainfo.get('img_path') or f'{index}'
        name = osp.splitext(osp.basename(img_path))[0]
        out_file = osp.join(output_dir, f'{index:05d}_{name}.png')
        drawer = LABEL_DRAWERS[label_type_of(data_sample)]
        drawer(visualizer, name, image, data_sample, out_file)
        written.append(out_file)
        progress.update()
    return written


def main(argv=None):
    """Entry point.

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
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    output_dir = args.output_dir or osp.join(
        'work_dirs', 'browse_dataset',
        osp.splitext(osp.basename(args.config))[0])
    written = browse(cfg, output_dir, args.max_num, args.phase, args.alpha)
    print(f'\nsaved {len(written)} images to {output_dir}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
