"""Resize that also moves point annotations."""
import numpy as np
from mmseg.datasets.transforms import Resize

from mmlabeleff.registry import TRANSFORMS

__all__ = ['WeakResize']


@TRANSFORMS.register_module()
class WeakResize(Resize):
    """mmseg's :class:`~mmseg.datasets.transforms.Resize`, plus ``gt_points``.

    Upstream already resizes the image, every map in ``seg_fields`` (nearest
    interpolation, so sparse maps keep their values: class ids, 254 and 255)
    and ``gt_bboxes`` (scaled and clipped by mmcv's ``Resize``). It only
    knows mmcv's ``gt_keypoints``, so this subclass scales ``gt_points``
    (continuous x, y) by ``scale_factor`` too. A point inside the image stays
    inside, so none is dropped. Boxes are cast back to float32 (mmcv's
    scaling returns float64).

    Use it as ``dict(type='WeakResize', ...)`` or inside mmcv's
    ``RandomResize`` with ``resize_type='WeakResize'``. Beware that, under
    ``default_scope='mmlabeleff'``, an unprefixed ``'Resize'`` (also
    ``RandomResize``'s default ``resize_type``) is mmcv's ``Resize``, which
    resizes ``gt_seg_map`` only and would leave a sparse map at its old size.

    Required keys: ``img``, ``seg_fields`` maps, ``gt_bboxes``, ``gt_points``
    (all but ``img`` optional).

    Modified keys: ``img``, ``img_shape``, the ``seg_fields`` maps,
    ``gt_bboxes``, ``gt_points``.

    Added keys: ``scale``, ``scale_factor``, ``keep_ratio``.

    Args:
        **kwargs: Those of mmseg's ``Resize`` (``scale``, ``scale_factor``,
            ``keep_ratio``, ``clip_object_border``, ``backend``,
            ``interpolation``).
    """

    def _resize_points(self, results: dict) -> None:
        """Scale ``gt_points`` with ``results['scale_factor']``."""
        if results.get('gt_points', None) is not None:
            w_scale, h_scale = results['scale_factor']
            scale = np.array([w_scale, h_scale], dtype=np.float32)
            results['gt_points'] = (results['gt_points'] * scale).astype(
                np.float32)

    def transform(self, results: dict) -> dict:
        """Resize the image, maps, boxes and points.

        Args:
            results (dict): Transform results.

        Returns:
            dict: The resized results.
        """
        results = super().transform(results)
        if results.get('gt_bboxes', None) is not None:
            # mmcv multiplies by a float64 scale factor; keep float32.
            results['gt_bboxes'] = results['gt_bboxes'].astype(np.float32)
        self._resize_points(results)
        return results
