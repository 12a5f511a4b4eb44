"""Random rotation that also rotates boxes and points."""
import mmcv
from mmseg.datasets.transforms import RandomRotate

from mmlabeleff.registry import TRANSFORMS
from .geometry import (
    affine_boxes,
    affine_points,
    clip_boxes,
    nonempty_boxes,
    points_inside,
    rotation_matrix,
    select_boxes,
    select_points,
)

__all__ = ['WeakRandomRotate']


@TRANSFORMS.register_module()
class WeakRandomRotate(RandomRotate):
    """mmseg's :class:`~mmseg.datasets.transforms.RandomRotate` for weak labels.

    As upstream, the image is rotated with bilinear interpolation and every
    map in ``seg_fields`` with nearest interpolation, the uncovered corners
    of the maps filled with ``seg_pad_val`` (255, ignore). This subclass
    adds, with the very matrix that :func:`mmcv.imrotate` uses:

    - boxes: the 4 corners rotated, the enclosing axis-aligned box taken,
      clipped to the image, and dropped (with labels and ignore flags) when
      empty;
    - points: rotated, and dropped with their labels when they leave the
      image;
    - ``img_shape``, which upstream leaves stale when ``auto_bound=True``
      changes the size.

    Tags (``gt_image_labels``) are kept, as in :class:`WeakRandomCrop`.

    Required keys: ``img``, ``seg_fields`` maps, ``gt_bboxes``,
    ``gt_bboxes_labels``, ``gt_ignore_flags``, ``gt_points``,
    ``gt_points_labels`` (all but ``img`` optional).

    Modified keys: ``img``, ``img_shape``, the ``seg_fields`` maps and the
    box and point keys above.

    Args:
        prob (float): Probability of rotating.
        degree (float | tuple[float, float]): Range of angles (degrees,
            positive is clockwise); a number ``d`` means ``(-d, d)``.
        pad_val (float): Image fill value. Defaults to 0.
        seg_pad_val (float): Map fill value. Defaults to 255.
        center (tuple[float, float], optional): Pixel-index ``(x, y)``
            centre of rotation; the image centre when None.
        auto_bound (bool): Whether to grow the output to hold the whole
            rotated image. Defaults to False.
    """

    def transform(self, results: dict) -> dict:
        """Rotate the image, maps, boxes and points.

        Args:
            results (dict): Transform results.

        Returns:
            dict: The rotated results.
        """
        rotate, degree = self.generate_degree()
        if not rotate:
            return results
        matrix, out_shape = rotation_matrix(results['img'].shape[:2], degree,
                                            self.center, self.auto_bound)
        kwargs = dict(
            angle=degree, center=self.center, auto_bound=self.auto_bound)
        results['img'] = mmcv.imrotate(
            results['img'], border_value=self.pal_val, **kwargs)
        for key in results.get('seg_fields', []):
            results[key] = mmcv.imrotate(
                results[key],
                border_value=self.seg_pad_val,
                interpolation='nearest',
                **kwargs)
        results['img_shape'] = results['img'].shape[:2]
        assert tuple(results['img_shape']) == out_shape

        if results.get('gt_bboxes', None) is not None:
            boxes = affine_boxes(results['gt_bboxes'], matrix)
            results['gt_bboxes'] = clip_boxes(boxes, out_shape)
            select_boxes(results, nonempty_boxes(results['gt_bboxes']))
        if results.get('gt_points', None) is not None:
            points = affine_points(results['gt_points'], matrix)
            results['gt_points'] = points
            select_points(results, points_inside(points, out_shape))
        return results
