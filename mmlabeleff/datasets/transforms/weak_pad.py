"""Pad that pads every label map, not only ``gt_seg_map``."""
import mmcv
from mmcv.transforms import Pad

from mmlabeleff.registry import TRANSFORMS
from mmlabeleff.structures import IGNORE_INDEX

__all__ = ['WeakPad']


@TRANSFORMS.register_module()
class WeakPad(Pad):
    """mmcv's :class:`~mmcv.transforms.Pad` for every map in ``seg_fields``.

    mmcv's ``Pad`` (mmseg has none of its own) pads the image and
    ``gt_seg_map`` only, so a sparse map would keep its old size. This
    subclass pads each map of ``seg_fields`` to ``pad_shape`` with
    ``pad_val['seg']`` (255 = ignore by default), always as a constant: with
    ``padding_mode='edge'`` / ``'reflect'`` / ``'symmetric'`` the image is
    extended as asked but the new pixels carry no label (they would
    otherwise copy labels onto content that boxes and points do not cover).

    Padding is bottom/right, so ``gt_bboxes`` and ``gt_points`` keep their
    coordinates.

    Required keys: ``img``, ``seg_fields`` maps (optional).

    Modified keys: ``img``, ``img_shape``, the ``seg_fields`` maps.

    Added keys: ``pad_shape``, ``pad_fixed_size``, ``pad_size_divisor``.

    Args:
        **kwargs: Those of mmcv's ``Pad`` (``size`` (w, h), ``size_divisor``,
            ``pad_to_square``, ``pad_val``, ``padding_mode``).
    """

    def _pad_seg(self, results: dict) -> None:
        """Pad every ``seg_fields`` map to ``results['pad_shape']``."""
        pad_val = self.pad_val.get('seg', IGNORE_INDEX)
        for key in results.get('seg_fields', []):
            if results.get(key, None) is None:
                continue
            seg = results[key]
            value = pad_val
            if isinstance(value, int) and seg.ndim == 3:
                value = tuple(value for _ in range(seg.shape[2]))
            results[key] = mmcv.impad(
                seg,
                shape=results['pad_shape'][:2],
                pad_val=value,
                padding_mode='constant')
