"""Random flip that also moves point annotations."""
from mmseg.datasets.transforms import RandomFlip

from mmlabeleff.registry import TRANSFORMS

__all__ = ['WeakRandomFlip']


@TRANSFORMS.register_module()
class WeakRandomFlip(RandomFlip):
    """mmseg's :class:`~mmseg.datasets.transforms.RandomFlip`, plus
    ``gt_points``.

    Upstream already flips the image, every map in ``seg_fields`` and
    ``gt_bboxes`` (``x -> W - x`` in continuous coordinates), but mmseg's
    ``_flip`` drops mmcv's keypoint handling. This subclass flips
    ``gt_points`` with mmcv's own ``_flip_keypoints`` (the same ``W - x`` /
    ``H - y``), so a point on pixel ``c`` lands on pixel ``W - 1 - c``.

    Under ``default_scope='mmlabeleff'`` an unprefixed ``'RandomFlip'`` is
    mmcv's, which flips ``gt_seg_map`` only; use this class (or at least
    ``'mmseg.RandomFlip'`` for pipelines without points).

    Required keys: ``img``, ``seg_fields`` maps, ``gt_bboxes``, ``gt_points``
    (all but ``img`` optional).

    Modified keys: ``img``, the ``seg_fields`` maps, ``gt_bboxes``,
    ``gt_points``.

    Added keys: ``flip``, ``flip_direction``, ``swap_seg_labels``.

    Args:
        **kwargs: Those of mmseg's ``RandomFlip`` (``prob``, ``direction``,
            ``swap_seg_labels``).
    """

    def _flip(self, results: dict) -> None:
        """Flip the image, maps, boxes and points."""
        super()._flip(results)
        if results.get('gt_points', None) is not None:
            results['gt_points'] = self._flip_keypoints(
                results['gt_points'], results['img'].shape[:2],
                results['flip_direction'])
