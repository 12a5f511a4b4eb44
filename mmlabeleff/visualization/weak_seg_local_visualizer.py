"""WeakSegLocalVisualizer: mmseg's local visualizer for every weak label.

The class follows mmrotate's ``RotLocalVisualizer``, which subclasses
mmdet's ``DetLocalVisualizer`` and overrides only what differs (both
Apache-2.0): here mmseg's ``SegLocalVisualizer`` (Apache-2.0) is subclassed
and only ``add_datasample`` is overridden, keeping its signature and its
"ground truth left, prediction right" layout, so that mmseg's
``SegVisualizationHook`` and ``tools/test.py --show-dir`` draw weak labels
too. The dense overlay reproduces mmseg's (class colours blended with
``alpha``, the class name inside each region); boxes with a class-name chip
follow mmdet's ``DetLocalVisualizer``. Everything is drawn with the public
drawing calls of mmengine's ``Visualizer``.
"""
import warnings
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
from mmengine.dist import master_only
from mmseg.visualization import SegLocalVisualizer

from mmlabeleff.registry import VISUALIZERS
from mmlabeleff.structures import UNLABELED_INDEX
from mmlabeleff.utils import save_png_atomic
from .utils import label_types_of, sparse_display_map

__all__ = ['WeakSegLocalVisualizer']


def _to_numpy(values) -> np.ndarray:
    """A tensor or array as a NumPy array."""
    if isinstance(values, torch.Tensor):
        return values.detach().cpu().numpy()
    return np.asarray(values)


def _text_color_on(color: Sequence[int]) -> str:
    """``'black'`` or ``'white'``, whichever reads better on RGB ``color``."""
    luma = 0.299 * color[0] + 0.587 * color[1] + 0.114 * color[2]
    return 'black' if luma > 128 else 'white'


@VISUALIZERS.register_module()
class WeakSegLocalVisualizer(SegLocalVisualizer):
    """Local visualizer that draws every label type of mmlabeleff.

    Extends mmseg's ``SegLocalVisualizer`` (Apache-2.0) the way mmrotate's
    ``RotLocalVisualizer`` extends mmdet's ``DetLocalVisualizer``
    (Apache-2.0): same constructor, same ``add_datasample`` entry point,
    more label types. The fields follow
    :mod:`mmlabeleff.structures.label_convention`:

    - dense masks (``gt_sem_seg``, and ``pred_sem_seg`` on the prediction
      side): the class colours blended with opacity ``alpha`` and the class
      names inside their regions, as mmseg draws them; ignored pixels (255)
      are darkened by the same blend, with black;
    - sparse maps (``gt_sparse_seg``: scribbles, points, partial masks):
      labelled pixels painted opaque in their class colour, unlabeled
      pixels (254) left as the image, ignored pixels (255) dimmed and
      hatched with grey diagonal lines. Scribbles and points (and maps whose
      supervision is not said) are dilated by ``thicken`` pixels into the
      unlabeled pixels around them, for display only, so that 1-px labels
      can be seen; partial masks are drawn as they are;
    - points (``gt_points``): a filled circle in the class colour with a
      dark outline on each point;
    - boxes (``gt_instances``): rectangles in the class colour with the
      class name on a chip of that colour (as mmdet draws them); ignored
      boxes (``ignored_instances``) dashed grey, named ``'ignored: NAME'``;
    - tags (``gt_image_labels``): the names of the tagged classes, on chips
      of their class colour, on a darkened banner over the top rows.

    All labels of a sample go on one picture (e.g. boxes and tags). When
    both the ground truth and the prediction are drawn, the two pictures are
    put side by side (ground truth left), as mmseg does.

    Args:
        name (str): Name of the instance. Defaults to ``'visualizer'``.
        image (np.ndarray, optional): The RGB image to draw on. Defaults to
            None.
        vis_backends (list[dict], optional): Visual backend configs.
            Defaults to None.
        save_dir (str, optional): Save dir of the backends. Defaults to
            None.
        classes (list[str], optional): Class names. Defaults to None (see
            :meth:`set_dataset_meta`).
        palette (list[list[int]], optional): RGB colour of each class.
            Defaults to None.
        dataset_name (str, optional): mmseg dataset name whose classes and
            palette are used when ``classes`` / ``palette`` are not given.
            Defaults to None.
        alpha (float): Opacity of the dense mask overlay. Defaults to 0.8
            (mmseg's default).
        thicken (int): Pixels by which scribbles and points of sparse maps
            are dilated for display (0: drawn as they are). Defaults to 1.
        **kwargs: Other arguments of mmengine's ``Visualizer``.

    Examples:
        >>> import numpy as np, torch
        >>> from mmengine.structures import PixelData
        >>> from mmseg.structures import SegDataSample
        >>> vis = WeakSegLocalVisualizer(
        ...     classes=('bg', 'road'), palette=[[0, 0, 0], [220, 20, 60]])
        >>> sample = SegDataSample(metainfo=dict(supervision='scribbles'))
        >>> sparse = torch.full((1, 10, 12), 254)
        >>> sparse[0, 5, 2:9] = 1
        >>> sample.gt_sparse_seg = PixelData(data=sparse)
        >>> image = np.zeros((10, 12, 3), dtype=np.uint8)
        >>> vis.add_datasample('example', image, sample, draw_pred=False,
        ...                    out_file='example.png')
    """

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

    def __init__(self,
                 name: str = 'visualizer',
                 image: Optional[np.ndarray] = None,
                 vis_backends: Optional[List[dict]] = None,
                 save_dir: Optional[str] = None,
                 classes: Optional[List[str]] = None,
                 palette: Optional[List[List[int]]] = None,
                 dataset_name: Optional[str] = None,
                 alpha: float = 0.8,
                 thicken: int = 1,
                 **kwargs):
        super().__init__(
            name=name, image=image, vis_backends=vis_backends,
            save_dir=save_dir, classes=classes, palette=palette,
            dataset_name=dataset_name, alpha=alpha, **kwargs)
        # mmseg 1.2.2's constructor passes classes and palette swapped to
        # set_dataset_meta; set them again in the right order.
        self.set_dataset_meta(classes, palette, dataset_name)
        if thicken < 0:
            raise ValueError(f'thicken must be at least 0, got {thicken}')
        self.thicken = thicken

    # ------------------------------------------------------------------
    # small helpers
    # ------------------------------------------------------------------
    def _num_classes(self) -> int:
        return len(self.dataset_meta['classes'])

    def _color(self, label) -> Tuple[int, int, int]:
        """The RGB colour of class ``label`` as a tuple of ints."""
        palette = self.dataset_meta['palette']
        return tuple(int(c) for c in palette[int(label) % len(palette)])

    def _class_name(self, label) -> str:
        """The name of class ``label`` (its id when out of range)."""
        classes = self.dataset_meta['classes']
        label = int(label)
        return classes[label] if 0 <= label < len(classes) else str(label)

    def _font_size(self) -> int:
        """A font size (points) that reads well on the current image."""
        return int(max(np.sqrt(self.height * self.width) // 50, 7))

    def _font_pixels(self, font_size: int) -> float:
        """Height in pixels of a ``font_size``-point font on the canvas."""
        return font_size * (self.dpi or 100) / 72

    def _keep_image_frame(self) -> None:
        """Undo matplotlib's autoscaling after drawing shapes.

        matplotlib widens the axes to take in a shape that sticks out of the
        image (a point marker at the border), which would shift and shrink
        the whole picture.
        """
        self.ax_save.set_xlim(0, self.width)
        self.ax_save.set_ylim(self.height, 0)

    def _label_map(self, pixel_data) -> np.ndarray:
        """An ``(H, W)`` label map fitted to the current image.

        A map of another size (e.g. a test-time ``gt_sem_seg`` loaded at the
        original size while the image was resized) is resized with
        nearest-neighbour interpolation.
        """
        data = _to_numpy(pixel_data.data)
        data = data.reshape(data.shape[-2:]).astype(np.int64)
        if data.shape != (self.height, self.width):
            data = cv2.resize(
                data.astype(np.uint16), (self.width, self.height),
                interpolation=cv2.INTER_NEAREST).astype(np.int64)
        return data

    def _coordinate_scale(self, data_sample) -> np.ndarray:
        """``(sx, sy)`` from the sample's ``img_shape`` to the image drawn."""
        img_shape = data_sample.metainfo.get('img_shape')
        if not img_shape:
            return np.ones(2)
        return np.array([self.width / img_shape[1],
                         self.height / img_shape[0]])

    # ------------------------------------------------------------------
    # one method per label type; each draws on the current image
    # ------------------------------------------------------------------
    def draw_sem_seg(self, sem_seg, with_labels: bool = True
                     ) -> 'WeakSegLocalVisualizer':
        """Draw a dense mask (``gt_sem_seg`` / ``pred_sem_seg``) as mmseg.

        The class colours are blended with the image with opacity
        :attr:`alpha`; ignored ids (``>= K``) are blended with black, as in
        mmseg's rendering. With ``with_labels`` each class name is written
        on a chip of its colour at the most interior pixel of its region
        (the middle one when there are several).

        Args:
            sem_seg (PixelData): ``data`` of shape ``(1, H, W)``.
            with_labels (bool): Write the class names. Defaults to True.

        Returns:
            WeakSegLocalVisualizer: self.
        """
        seg = self._label_map(sem_seg)
        num_classes = self._num_classes()
        labels = [int(x) for x in np.unique(seg) if x < num_classes]
        masks = [seg == label for label in labels]
        colors = [self._color(label) for label in labels]
        ignored = seg >= num_classes
        if ignored.any():
            masks.append(ignored)
            colors.append((0, 0, 0))
        if masks:
            self.draw_binary_masks(
                np.stack(masks), colors=colors,
                alphas=[float(self.alpha)] * len(masks))
        if with_labels and labels:
            positions = []
            for mask in masks[:len(labels)]:
                padded = np.pad(mask.astype(np.uint8), 1)
                dist = cv2.distanceTransform(padded, cv2.DIST_L2, 3)[1:-1,
                                                                     1:-1]
                # The most interior pixels; of those, the one nearest to
                # their mean (the middle of a band, not its left end).
                rows, cols = np.nonzero(dist >= dist.max() - 0.5)
                pick = np.argmin((rows - rows.mean())**2 +
                                 (cols - cols.mean())**2)
                positions.append((cols[pick] + 0.5, rows[pick] + 0.5))
            self.draw_texts(
                [self._class_name(label) for label in labels],
                np.asarray(positions, dtype=np.float64),
                font_sizes=self._font_size(),
                colors=[_text_color_on(color) for color in colors[:len(
                    labels)]],
                vertical_alignments='center',
                horizontal_alignments='center',
                bboxes=[
                    dict(facecolor=tuple(c / 255 for c in color),
                         edgecolor='black', alpha=0.9, pad=0.2, linewidth=1)
                    for color in colors[:len(labels)]
                ])
        return self

    def draw_sparse_seg(self, sparse_seg, supervision: Optional[str] = None
                        ) -> 'WeakSegLocalVisualizer':
        """Draw a sparse map (``gt_sparse_seg``: scribbles, points, partial).

        Labelled pixels are painted opaque in their class colour, unlabeled
        pixels (254) are left as the image, ignored pixels (255) are dimmed
        (:attr:`IGNORE_DIM`) and hatched with :attr:`HATCH_COLOR` diagonals.
        For :attr:`THICKENED_SUPERVISIONS` (or ``supervision=None``) the
        labels are dilated by :attr:`thicken` pixels for display only (see
        :func:`~mmlabeleff.visualization.utils.sparse_display_map`).

        Args:
            sparse_seg (PixelData): ``data`` of shape ``(1, H, W)``.
            supervision (str, optional): The sample's supervision.

        Returns:
            WeakSegLocalVisualizer: self.
        """
        sparse = self._label_map(sparse_seg)
        num_classes = self._num_classes()
        thicken = self.thicken
        if supervision is not None and \
                supervision not in self.THICKENED_SUPERVISIONS:
            thicken = 0
        shown = sparse_display_map(sparse, num_classes, thicken)

        masks, colors, alphas = [], [], []
        ignored = (shown >= num_classes) & (shown != UNLABELED_INDEX)
        if ignored.any():
            rows, cols = np.indices(shown.shape)
            hatch = ((rows + cols) % self.HATCH_PERIOD) == 0
            masks += [ignored, ignored & hatch]
            colors += [(0, 0, 0), self.HATCH_COLOR]
            alphas += [1.0 - self.IGNORE_DIM, 1.0]
        for label in np.unique(shown):
            if label < num_classes:
                masks.append(shown == label)
                colors.append(self._color(label))
                alphas.append(1.0)
        if masks:
            self.draw_binary_masks(np.stack(masks), colors=colors,
                                   alphas=alphas)
        return self

    def draw_point_labels(self, points, scale: Sequence[float] = (1., 1.)
                          ) -> 'WeakSegLocalVisualizer':
        """Draw a marker at each point of ``gt_points``.

        A filled circle in the class colour with a dark outline
        (:attr:`OUTLINE_COLOR`), centred on the point (pixel-centre
        coordinates), so that single-pixel labels stand out. The radius
        grows with the image (at least 3 pixels).

        Args:
            points (InstanceData): ``points`` ``(N, 2)`` x, y and ``labels``
                ``(N,)``.
            scale (Sequence[float]): ``(sx, sy)`` applied to the points.
                Defaults to ``(1, 1)``.

        Returns:
            WeakSegLocalVisualizer: self.
        """
        xy = _to_numpy(points.points).reshape(-1, 2).astype(np.float64)
        if not len(xy):
            return self
        xy = xy * np.asarray(scale, dtype=np.float64)
        labels = _to_numpy(points.labels).reshape(-1)
        radius = max(3.0, min(self.height, self.width) / 60)
        with warnings.catch_warnings():
            # A marker may stick out of the image for a point near its edge.
            warnings.filterwarnings('ignore',
                                    message='.*circle is out of bounds')
            self.draw_circles(
                xy,
                np.full(len(xy), radius),
                edge_colors=self.OUTLINE_COLOR,
                line_widths=max(1.0, radius / 3),
                face_colors=[self._color(label) for label in labels],
                alpha=1.0)
        self._keep_image_frame()
        return self

    def draw_instances(self,
                       instances,
                       ignored: bool = False,
                       with_labels: bool = True,
                       scale: Sequence[float] = (1., 1.)
                       ) -> 'WeakSegLocalVisualizer':
        """Draw boxes (``gt_instances`` or ``ignored_instances``).

        Each box is a solid rectangle in its class colour with the class
        name on a chip of that colour at its top-left corner; ignored boxes
        are dashed :attr:`IGNORED_BOX_COLOR`, named ``'ignored: NAME'``.
        Boxes are clipped to the image (a crop may cut them); boxes left
        empty are not drawn.

        Args:
            instances (InstanceData): ``bboxes`` ``(N, 4)`` x1y1x2y2 and
                ``labels`` ``(N,)`` (class 0 when absent).
            ignored (bool): Draw as ignored boxes. Defaults to False.
            with_labels (bool): Write the class names. Defaults to True.
            scale (Sequence[float]): ``(sx, sy)`` applied to the boxes.
                Defaults to ``(1, 1)``.

        Returns:
            WeakSegLocalVisualizer: self.
        """
        if 'bboxes' not in instances or not len(instances.bboxes):
            return self
        boxes = _to_numpy(instances.bboxes).reshape(-1, 4).astype(np.float64)
        labels = (_to_numpy(instances.labels).reshape(-1)
                  if 'labels' in instances else np.zeros(len(boxes), int))
        boxes = boxes * np.tile(np.asarray(scale, dtype=np.float64), 2)
        boxes[:, 0::2] = boxes[:, 0::2].clip(0, self.width - 1)
        boxes[:, 1::2] = boxes[:, 1::2].clip(0, self.height - 1)
        keep = (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
        boxes, labels = boxes[keep], labels[keep]
        if not len(boxes):
            return self
        names = [self._class_name(label) for label in labels]
        if ignored:
            names = [f'ignored: {name}' for name in names]
            colors = [self.IGNORED_BOX_COLOR] * len(boxes)
        else:
            colors = [self._color(label) for label in labels]
        self.draw_bboxes(
            boxes,
            edge_colors=colors,
            line_styles='--' if ignored else '-',
            line_widths=2,
            alpha=1.0)
        self._keep_image_frame()
        if with_labels:
            self.draw_texts(
                names,
                boxes[:, :2] + 2,
                font_sizes=self._font_size(),
                colors=[_text_color_on(color) for color in colors],
                vertical_alignments='top',
                horizontal_alignments='left',
                bboxes=[
                    dict(facecolor=tuple(c / 255 for c in color), alpha=0.85,
                         pad=0.3, edgecolor='none') for color in colors
                ])
        return self

    def draw_image_labels(self, image_labels
                          ) -> 'WeakSegLocalVisualizer':
        """Write the image tags (``gt_image_labels``) on a banner at the top.

        The top rows are darkened (:attr:`BANNER_DIM`) into a banner and
        the names of the tagged classes are written on it, each on a chip
        of its class colour (wrapped onto more lines when they do not fit);
        ``'tags: none'`` when no class is tagged.

        Args:
            image_labels (torch.Tensor | np.ndarray): ``(K,)`` multi-hot.

        Returns:
            WeakSegLocalVisualizer: self.
        """
        tags = _to_numpy(image_labels).reshape(-1)
        labels = np.flatnonzero(tags > 0)
        font_size = self._font_size()
        line_height = int(np.ceil(self._font_pixels(font_size) * 1.6))
        char_width = self._font_pixels(font_size) * 0.65
        margin = max(2, line_height // 5)

        # One chip per text: (text, text colour, chip colour or 'none').
        chips = [('tags:', 'white', 'none')]
        for label in labels:
            color = self._color(label)
            chips.append((self._class_name(label), _text_color_on(color),
                          tuple(c / 255 for c in color)))
        if not len(labels):
            chips.append(('none', 'white', 'none'))

        # Lay the chips out left to right, wrapping on the estimated width.
        positions, x, row = [], margin, 0
        for text, _, _ in chips:
            text_width = char_width * len(text) + 2 * margin
            if x > margin and x + text_width > self.width:
                x, row = margin, row + 1
            positions.append((x, margin + row * line_height))
            x += text_width + margin
        banner = min(self.height, (row + 1) * line_height + margin)

        mask = np.zeros((self.height, self.width), dtype=bool)
        mask[:banner] = True
        self.draw_binary_masks(
            mask, colors=(0, 0, 0), alphas=1.0 - self.BANNER_DIM)
        self.draw_texts(
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
        return self

    def draw_weak_labels(self,
                         image: np.ndarray,
                         data_sample,
                         with_labels: bool = True) -> np.ndarray:
        """Draw every ground-truth label of ``data_sample`` over ``image``.

        Each label type present
        (:func:`~mmlabeleff.visualization.utils.label_types_of`) is drawn
        as one layer, masks first, then points, boxes and the tags banner,
        so that combinations (e.g. boxes and tags) all show. A sample
        without labels (or ``supervision='unlabeled'``) gives the image.

        Args:
            image (np.ndarray): RGB image, (H, W, 3).
            data_sample (SegDataSample): The sample.
            with_labels (bool): Write class names on masks and boxes.
                Defaults to True.

        Returns:
            np.ndarray: The drawn (H, W, 3) uint8 RGB picture.
        """
        self.set_image(image)
        scale = self._coordinate_scale(data_sample)
        for label_type in label_types_of(data_sample):
            if label_type == 'dense':
                self.draw_sem_seg(data_sample.gt_sem_seg, with_labels)
            elif label_type == 'sparse':
                self.draw_sparse_seg(data_sample.gt_sparse_seg,
                                     data_sample.metainfo.get('supervision'))
            elif label_type == 'points':
                self.draw_point_labels(data_sample.gt_points, scale)
            elif label_type == 'boxes':
                for field, ignored in (('ignored_instances', True),
                                       ('gt_instances', False)):
                    if field in data_sample:
                        self.draw_instances(
                            data_sample.get(field), ignored, with_labels,
                            scale)
            elif label_type == 'tags':
                self.draw_image_labels(data_sample.gt_image_labels)
        return self.get_image()

    def draw_views(self, views: Sequence[tuple],
                   with_labels: bool = True) -> np.ndarray:
        """Draw the views of one multi-branch sample side by side.

        For semi-supervised configs (mmdet's ``MultiBranch``: a labelled
        ``sup`` view, the teacher's weak view, the student's strong views),
        see :func:`~mmlabeleff.visualization.utils.iter_packed_views`. Each
        view is drawn as :meth:`draw_weak_labels` draws it (an unlabelled
        view is the image itself), its branch name is written in its top
        left corner, and the views are put left to right (views of other
        sizes are padded with black at the bottom).

        Args:
            views (Sequence[tuple]): ``(branch, RGB image, packed sample)``
                of each view.
            with_labels (bool): Write class names on masks and boxes.
                Defaults to True.

        Returns:
            np.ndarray: The ``(H, sum W, 3)`` uint8 RGB picture.
        """
        if not views:
            raise ValueError('draw_views needs at least one view')
        panels = []
        for branch, image, data_sample in views:
            self.draw_weak_labels(image, data_sample, with_labels)
            if branch:
                self.draw_texts(
                    str(branch), np.array([[2., 2.]]),
                    font_sizes=self._font_size(), colors='white',
                    vertical_alignments='top',
                    horizontal_alignments='left',
                    bboxes=[dict(facecolor='black', alpha=0.7, pad=0.3,
                                 edgecolor='none')])
            panels.append(self.get_image())
        height = max(panel.shape[0] for panel in panels)
        panels = [
            np.pad(panel, ((0, height - panel.shape[0]), (0, 0), (0, 0)))
            for panel in panels
        ]
        return np.ascontiguousarray(np.concatenate(panels, axis=1))

    @master_only
    def add_datasample(self,
                       name: str,
                       image: np.ndarray,
                       data_sample=None,
                       draw_gt: bool = True,
                       draw_pred: bool = True,
                       show: bool = False,
                       wait_time: float = 0,
                       out_file: Optional[str] = None,
                       step: int = 0,
                       with_labels: Optional[bool] = True) -> None:
        """Draw a sample's labels and prediction and save or show them.

        mmseg's entry point, with the same arguments: the ground truth
        (every label type, :meth:`draw_weak_labels`) and the prediction
        (``pred_sem_seg``, :meth:`draw_sem_seg`) are drawn on copies of
        ``image`` and put side by side (ground truth left) when both are
        drawn. When neither is there but ``draw_gt`` is on, the picture is
        the image itself (an unlabeled sample).

        - With ``show``, the picture is displayed in a window.
        - With ``out_file``, it is written there as PNG, atomically
          (temporary file, then rename); otherwise it is added to the
          visualization backends (``add_image``).

        Args:
            name (str): The image identifier.
            image (np.ndarray): The RGB image to draw on.
            data_sample (SegDataSample, optional): The sample, with
                ground-truth fields and/or ``pred_sem_seg``. Defaults to
                None.
            draw_gt (bool): Whether to draw the ground truth. Defaults to
                True.
            draw_pred (bool): Whether to draw the prediction. Defaults to
                True.
            show (bool): Whether to display the picture. Defaults to False.
            wait_time (float): The interval of show (s). Defaults to 0.
            out_file (str, optional): PNG file to write. Defaults to None.
            step (int): Global step value to record. Defaults to 0.
            with_labels (bool, optional): Write class names. Defaults to
                True.
        """
        gt_img_data = pred_img_data = None
        if data_sample is not None:
            if draw_gt and label_types_of(data_sample) != ['none']:
                gt_img_data = self.draw_weak_labels(image, data_sample,
                                                    with_labels)
            if draw_pred and 'pred_sem_seg' in data_sample:
                self.set_image(image)
                self.draw_sem_seg(data_sample.pred_sem_seg, with_labels)
                pred_img_data = self.get_image()

        if gt_img_data is not None and pred_img_data is not None:
            drawn_img = np.concatenate((gt_img_data, pred_img_data), axis=1)
        elif gt_img_data is not None:
            drawn_img = gt_img_data
        elif pred_img_data is not None:
            drawn_img = pred_img_data
        elif draw_gt:
            drawn_img = np.ascontiguousarray(image, dtype=np.uint8)
        else:
            return

        if show:
            self.show(drawn_img, win_name=name, wait_time=wait_time)
        if out_file is not None:
            save_png_atomic(out_file, drawn_img)
        else:
            self.add_image(name, drawn_img, step)
