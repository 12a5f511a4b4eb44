"""Save the first samples of a config's dataset with their labels drawn on.

Usage::

    python tools/misc/browse_dataset.py CONFIG [--output-dir DIR]
        [--max-num 20] [--phase train] [--alpha 0.5] [--thicken 1]
        [--cfg-options k=v ...]

The dataset of ``{phase}_dataloader`` is built exactly as the Runner builds
it, pipeline included, so the pictures show what the model receives (after
augmentation). Every label type a sample carries (see :func:`label_types_of`)
is drawn as one layer by its drawer in :data:`LABEL_DRAWERS`, with mmseg's
``SegLocalVisualizer`` and mmengine's drawing primitives:

- dense masks (``gt_sem_seg``): mmseg's colour overlay (``--alpha``) with
  the class names;
- sparse maps (``gt_sparse_seg``: scribbles, points, partial masks): the
  labelled pixels painted opaque in their class colour, unlabeled pixels
  (254) left as the image, ignored pixels (255) dimmed and hatched grey.
  Scribbles and points are dilated by ``--thicken`` pixels (default 1) into
  the unlabeled pixels around them, for display only, so that 1-px labels
  can be seen; partial masks are drawn as they are;
- points (``gt_points``): a filled circle in the class colour with a dark
  outline on each point;
- boxes (``gt_instances``): rectangles in the class colour with the class
  name; ignored boxes (``ignored_instances``) dashed grey;
- tags (``gt_image_labels``): the class names, on chips of their class
  colour, on a dark banner over the top rows of the image.

All layers of a sample go on one picture (e.g. boxes and tags), written
atomically (temporary file, then rename) as a PNG file
``{index:05d}_{image name}.png`` under ``--output-dir``. The tool is
headless: it never opens a window (``--not-show`` is accepted for
compatibility with mmseg's tool and changes nothing).
"""
import argparse
import os
import os.path as osp
import sys
import warnings

import cv2
import numpy as np
import torch
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmengine.utils import ProgressBar
from mmseg.visualization import SegLocalVisualizer

from mmlabeleff.registry import DATASETS
from mmlabeleff.structures import UNLABELED_INDEX
from mmlabeleff.utils import register_all_modules, save_png_atomic

#: Sparse maps of these supervisions are thickened for display.
THICKENED_SUPERVISIONS = ('scribbles', 'points')
#: Brightness factor of ignored (255) pixels of sparse maps.
IGNORE_DIM = 0.35
#: Ignored pixels on every ``HATCH_PERIOD``-th diagonal are painted grey.
HATCH_PERIOD = 6
HATCH_COLOR = (128, 128, 128)
#: Outline of point markers.
OUTLINE_COLOR = (20, 20, 20)
#: Edge colour of ignored boxes (dashed).
IGNORED_BOX_COLOR = (160, 160, 160)
#: Brightness factor of the image under the tags banner.
BANNER_DIM = 0.3


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
        '--alpha',
        type=float,
        default=0.5,
        help='opacity of the dense mask overlay')
    parser.add_argument(
        '--thicken',
        type=int,
        default=1,
        help='pixels by which scribbles and points of sparse maps are '
        'dilated for display (0: drawn as they are; data are not changed)')
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
    if args.thicken < 0:
        parser.error('--thicken must be at least 0')
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


def _palette_color(visualizer, label):
    """The RGB colour of class ``label`` as a tuple of ints."""
    palette = visualizer.dataset_meta['palette']
    return tuple(int(c) for c in palette[int(label) % len(palette)])


def _class_name(visualizer, label):
    """The name of class ``label`` (its id when out of range)."""
    classes = visualizer.dataset_meta['classes']
    label = int(label)
    return classes[label] if 0 <= label < len(classes) else str(label)


def _font_size(image):
    """A font size (points) that reads well on ``image``."""
    height, width = image.shape[:2]
    return int(max(np.sqrt(height * width) // 50, 7))


def _font_pixels(visualizer, font_size):
    """Height in pixels of a ``font_size``-point font on the canvas."""
    dpi = getattr(visualizer, 'dpi', None) or 100
    return font_size * dpi / 72


def _to_numpy(values):
    """A tensor or array as a NumPy array."""
    if isinstance(values, torch.Tensor):
        return values.detach().cpu().numpy()
    return np.asarray(values)


def draw_dense_mask(visualizer, data_sample, options):
    """Layer: the dense mask (``gt_sem_seg``) as a colour overlay.

    mmseg's own rendering (``SegLocalVisualizer._draw_sem_seg``): the class
    colours blended with opacity ``alpha`` and the class names written at
    the centre of each region.

    Args:
        visualizer (SegLocalVisualizer): Visualizer with ``dataset_meta``,
            holding the picture drawn so far.
        data_sample (SegDataSample): Sample holding ``gt_sem_seg``.
        options (dict): Drawing options (see :func:`draw_sample`).
    """
    image = visualizer.get_image()
    sem_seg = data_sample.gt_sem_seg
    if not isinstance(sem_seg.data, torch.Tensor):
        sem_seg = PixelData(data=torch.as_tensor(_to_numpy(sem_seg.data)))
    drawn = visualizer._draw_sem_seg(image, sem_seg,
                                     visualizer.dataset_meta['classes'],
                                     visualizer.dataset_meta['palette'])
    visualizer.set_image(drawn)


def sparse_display_map(sparse, num_classes, thicken=0):
    """The sparse map as drawn: labels optionally thickened for display.

    Each labelled pixel keeps its class; with ``thicken > 0`` every class is
    also dilated by ``thicken`` pixels (a ``(2 * thicken + 1)`` square) into
    the unlabeled (254) pixels around it, so that 1-px scribbles and points
    are visible in the picture. Labelled and ignored pixels are never
    overwritten. This is for display only: the data are not changed.

    Args:
        sparse (np.ndarray): ``(H, W)`` sparse map (class ids, 254, 255).
        num_classes (int): K; ids ``>= K`` other than 254 / 255 are shown
            as ignored.
        thicken (int): Display dilation in pixels. Defaults to 0.

    Returns:
        np.ndarray: ``(H, W)`` int64 map of the same convention.
    """
    shown = sparse.astype(np.int64).copy()
    if thicken <= 0:
        return shown
    kernel = np.ones((2 * thicken + 1, 2 * thicken + 1), dtype=np.uint8)
    grown = shown.copy()
    for label in np.unique(shown):
        if label >= num_classes:
            continue
        mask = cv2.dilate((shown == label).astype(np.uint8), kernel) > 0
        grown[mask & (grown == UNLABELED_INDEX)] = label
    return grown


def draw_sparse_labels(visualizer, data_sample, options):
    """Layer: a sparse map (``gt_sparse_seg``: scribbles, points, partial).

    Labelled pixels are painted opaque in their class colour; unlabeled
    pixels (254) are left as the image; ignored pixels (255: padding, void)
    are dimmed and hatched with grey diagonal lines. For ``'scribbles'`` and
    ``'points'`` supervision (or when the metainfo does not say) labels are
    thickened by ``options['thicken']`` pixels for display only (see
    :func:`sparse_display_map`); partial masks are drawn as they are.

    Args:
        visualizer (SegLocalVisualizer): Visualizer with ``dataset_meta``,
            holding the picture drawn so far.
        data_sample (SegDataSample): Sample holding ``gt_sparse_seg``.
        options (dict): Drawing options (see :func:`draw_sample`).
    """
    image = visualizer.get_image().copy()
    sparse = _to_numpy(data_sample.gt_sparse_seg.data)
    sparse = sparse.reshape(sparse.shape[-2:])
    num_classes = len(visualizer.dataset_meta['classes'])
    supervision = data_sample.metainfo.get('supervision')
    thicken = options.get('thicken', 1)
    if supervision not in THICKENED_SUPERVISIONS and supervision is not None:
        thicken = 0
    shown = sparse_display_map(sparse, num_classes, thicken)

    ignored = (shown >= num_classes) & (shown != UNLABELED_INDEX)
    if ignored.any():
        rows, cols = np.indices(shown.shape)
        hatch = ((rows + cols) % HATCH_PERIOD) == 0
        image[ignored] = (image[ignored] * IGNORE_DIM).astype(np.uint8)
        image[ignored & hatch] = HATCH_COLOR
    for label in np.unique(shown):
        if label < num_classes:
            image[shown == label] = _palette_color(visualizer, label)
    visualizer.set_image(image)


def _keep_image_frame(visualizer, height, width):
    """Undo matplotlib's autoscaling after drawing shapes.

    matplotlib widens the axes to take in a shape that sticks out of the
    image (a point marker at the border), which would shift and shrink the
    whole picture in the saved PNG.
    """
    visualizer.ax_save.set_xlim(0, width)
    visualizer.ax_save.set_ylim(height, 0)


def draw_point_markers(visualizer, data_sample, options):
    """Layer: a marker at each point of ``gt_points``.

    A filled circle in the class colour with a dark outline, centred on the
    point (pixel-centre coordinates), so that single-pixel labels stand
    out. The radius grows with the image (at least 3 pixels).

    Args:
        visualizer (SegLocalVisualizer): Visualizer with ``dataset_meta``,
            holding the picture drawn so far.
        data_sample (SegDataSample): Sample holding ``gt_points``.
        options (dict): Drawing options (see :func:`draw_sample`).
    """
    points = _to_numpy(data_sample.gt_points.points).reshape(-1, 2)
    if not len(points):
        return
    labels = _to_numpy(data_sample.gt_points.labels).reshape(-1)
    height, width = visualizer.get_image().shape[:2]
    radius = max(3.0, min(height, width) / 60)
    with warnings.catch_warnings():
        # A marker may stick out of the image for a point near its edge.
        warnings.filterwarnings('ignore', message='.*circle is out of bounds')
        visualizer.draw_circles(
            points.astype(np.float64),
            np.full(len(points), radius),
            edge_colors=OUTLINE_COLOR,
            line_widths=max(1.0, radius / 3),
            face_colors=[
                _palette_color(visualizer, label) for label in labels
            ],
            alpha=1.0)
    _keep_image_frame(visualizer, height, width)


def _text_color_on(color):
    """``'black'`` or ``'white'``, whichever reads better on RGB ``color``."""
    luma = 0.299 * color[0] + 0.587 * color[1] + 0.114 * color[2]
    return 'black' if luma > 128 else 'white'


def _draw_boxes(visualizer, boxes, names, colors, line_style, font_size):
    """Rectangles and their class names (on a chip at the top-left corner).

    Boxes are clipped to the image for drawing (a crop may cut them).
    """
    height, width = visualizer.get_image().shape[:2]
    boxes = boxes.copy()
    boxes[:, 0::2] = boxes[:, 0::2].clip(0, width - 1)
    boxes[:, 1::2] = boxes[:, 1::2].clip(0, height - 1)
    visualizer.draw_bboxes(
        boxes,
        edge_colors=colors,
        line_styles=line_style,
        line_widths=2,
        alpha=1.0)
    _keep_image_frame(visualizer, height, width)
    visualizer.draw_texts(
        names,
        boxes[:, :2] + 2,
        font_sizes=font_size,
        colors=[_text_color_on(color) for color in colors],
        vertical_alignments='top',
        horizontal_alignments='left',
        bboxes=[
            dict(facecolor=tuple(c / 255 for c in color), alpha=0.85,
                 pad=0.3, edgecolor='none') for color in colors
        ])


def draw_boxes(visualizer, data_sample, options):
    """Layer: the boxes of ``gt_instances`` (and ``ignored_instances``).

    Each box is a solid rectangle in its class colour with the class name
    on a chip of that colour at its top-left corner; ignored boxes are dashed grey,
    named ``'ignored: NAME'``.

    Args:
        visualizer (SegLocalVisualizer): Visualizer with ``dataset_meta``,
            holding the picture drawn so far.
        data_sample (SegDataSample): Sample holding ``gt_instances`` and/or
            ``ignored_instances``.
        options (dict): Drawing options (see :func:`draw_sample`).
    """
    font_size = _font_size(visualizer.get_image())
    for field, ignored in (('ignored_instances', True),
                           ('gt_instances', False)):
        if field not in data_sample:
            continue
        instances = data_sample.get(field)
        if 'bboxes' not in instances or not len(instances.bboxes):
            continue
        boxes = _to_numpy(instances.bboxes).reshape(-1, 4).astype(np.float64)
        labels = (_to_numpy(instances.labels).reshape(-1)
                  if 'labels' in instances else np.zeros(len(boxes), int))
        names = [_class_name(visualizer, label) for label in labels]
        if ignored:
            names = [f'ignored: {name}' for name in names]
            colors = [IGNORED_BOX_COLOR] * len(boxes)
        else:
            colors = [_palette_color(visualizer, label) for label in labels]
        _draw_boxes(visualizer, boxes, names, colors,
                    '--' if ignored else '-', font_size)


def draw_tags_banner(visualizer, data_sample, options):
    """Layer: the image tags (``gt_image_labels``) on a banner at the top.

    The top rows of the picture are darkened into a banner and the names of
    the tagged classes are written on it, each on a chip of its class colour
    (wrapped onto more lines when they do not fit); ``'tags: none'`` when no
    class is tagged.

    Args:
        visualizer (SegLocalVisualizer): Visualizer with ``dataset_meta``,
            holding the picture drawn so far.
        data_sample (SegDataSample): Sample holding ``gt_image_labels``.
        options (dict): Drawing options (see :func:`draw_sample`).
    """
    image = visualizer.get_image().copy()
    height, width = image.shape[:2]
    tags = _to_numpy(data_sample.gt_image_labels).reshape(-1)
    labels = np.flatnonzero(tags > 0)
    font_size = _font_size(image)
    line_height = int(np.ceil(_font_pixels(visualizer, font_size) * 1.6))
    char_width = _font_pixels(visualizer, font_size) * 0.65
    margin = max(2, line_height // 5)

    # One chip per text: (text, text colour, chip colour or 'none').
    chips = [('tags:', 'white', 'none')]
    for label in labels:
        color = _palette_color(visualizer, label)
        chips.append((_class_name(visualizer, label), _text_color_on(color),
                      tuple(c / 255 for c in color)))
    if not len(labels):
        chips.append(('none', 'white', 'none'))

    # Lay the chips out left to right, wrapping on the estimated width.
    positions, x, row = [], margin, 0
    for text, _, _ in chips:
        text_width = char_width * len(text) + 2 * margin
        if x > margin and x + text_width > width:
            x, row = margin, row + 1
        positions.append((x, margin + row * line_height))
        x += text_width + margin
    banner = min(height, (row + 1) * line_height + margin)

    image[:banner] = (image[:banner] * BANNER_DIM).astype(np.uint8)
    visualizer.set_image(image)
    visualizer.draw_texts(
        [text for text, _, _ in chips],
        np.asarray(positions, dtype=np.float64),
        font_sizes=font_size,
        colors=[color for _, color, _ in chips],
        vertical_alignments='top',
        horizontal_alignments='left',
        bboxes=[
            dict(facecolor=face, alpha=1.0, pad=0.3, edgecolor='none')
            for _, _, face in chips
        ])


def draw_image_only(visualizer, data_sample, options):
    """Layer for samples without any label: the image is left as it is.

    Args:
        visualizer (SegLocalVisualizer): Visualizer holding the image.
        data_sample (SegDataSample): The (label-less) sample.
        options (dict): Drawing options (see :func:`draw_sample`).
    """


# Label type (as named by :func:`label_types_of`) -> drawer of its layer, in
# drawing order (masks first, then markers, boxes and the tags banner).
LABEL_DRAWERS = {
    'dense': draw_dense_mask,
    'sparse': draw_sparse_labels,
    'points': draw_point_markers,
    'boxes': draw_boxes,
    'tags': draw_tags_banner,
    'none': draw_image_only,
}


def label_types_of(data_sample):
    """Name every kind of label a data sample carries.

    Chosen from the packed fields of
    :mod:`mmlabeleff.structures.label_convention`: ``gt_sem_seg`` ->
    ``'dense'``, ``gt_sparse_seg`` -> ``'sparse'``, ``gt_points`` ->
    ``'points'``, ``gt_instances`` / ``ignored_instances`` -> ``'boxes'``,
    ``gt_image_labels`` -> ``'tags'``. A sample whose metainfo says
    ``supervision='unlabeled'``, or that has none of them, is ``'none'``.

    Args:
        data_sample (SegDataSample): A packed sample.

    Returns:
        list[str]: Keys of :data:`LABEL_DRAWERS`, in drawing order.
    """
    if data_sample.metainfo.get('supervision') == 'unlabeled':
        return ['none']
    present = {
        'dense': 'gt_sem_seg' in data_sample,
        'sparse': 'gt_sparse_seg' in data_sample,
        'points': 'gt_points' in data_sample,
        'boxes': ('gt_instances' in data_sample
                  or 'ignored_instances' in data_sample),
        'tags': 'gt_image_labels' in data_sample,
    }
    types = [name for name in LABEL_DRAWERS if present.get(name)]
    return types or ['none']


def label_type_of(data_sample):
    """Name the main kind of label a data sample carries.

    Args:
        data_sample (SegDataSample): A packed sample.

    Returns:
        str: The first of :func:`label_types_of`.
    """
    return label_types_of(data_sample)[0]


def draw_sample(visualizer, image, data_sample, thicken=1):
    """Draw every label of ``data_sample`` over ``image``.

    Each label type present (:func:`label_types_of`) is drawn as one layer
    by its drawer of :data:`LABEL_DRAWERS`, so combinations (e.g. boxes and
    tags) all show.

    Args:
        visualizer (SegLocalVisualizer): Visualizer with ``dataset_meta``.
        image (np.ndarray): RGB image, (H, W, 3) uint8.
        data_sample (SegDataSample): The packed sample.
        thicken (int): Display dilation (pixels) of scribbles and points in
            sparse maps; 0 draws them as they are. Defaults to 1.

    Returns:
        np.ndarray: The drawn (H, W, 3) uint8 RGB picture.
    """
    options = dict(thicken=thicken)
    visualizer.set_image(image)
    for label_type in label_types_of(data_sample):
        LABEL_DRAWERS[label_type](visualizer, data_sample, options)
    return visualizer.get_image()


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


def browse(cfg,
           output_dir,
           max_num=20,
           phase='train',
           alpha=0.5,
           thicken=1):
    """Draw the first ``max_num`` samples of a config's dataset.

    Args:
        cfg (mmengine.Config): The full config.
        output_dir (str): Folder for the PNG files (created if needed).
        max_num (int): Number of samples to draw. Defaults to 20.
        phase (str): ``'train'``, ``'val'`` or ``'test'``: the dataloader
            whose dataset is browsed. Defaults to ``'train'``.
        alpha (float): Opacity of the dense mask overlay. Defaults to 0.5.
        thicken (int): Display dilation (pixels) of scribbles and points.
            Defaults to 1.

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
        drawn = draw_sample(visualizer, image, data_sample, thicken)
        save_png_atomic(out_file, drawn)
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
    written = browse(cfg, output_dir, args.max_num, args.phase, args.alpha,
                     args.thicken)
    print(f'\nsaved {len(written)} images to {output_dir}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
