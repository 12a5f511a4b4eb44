"""Random crop that also crops boxes and points."""
import numpy as np
from mmcv.transforms.utils import cache_randomness
from mmseg.datasets.transforms import RandomCrop

from mmlabeleff.registry import TRANSFORMS
from mmlabeleff.structures import UNLABELED_INDEX
from .geometry import (
    clip_boxes,
    nonempty_boxes,
    points_inside,
    select_boxes,
    select_points,
)

__all__ = ['WeakRandomCrop']


@TRANSFORMS.register_module()
class WeakRandomCrop(RandomCrop):
    """mmseg's :class:`~mmseg.datasets.transforms.RandomCrop` for weak labels.

    Upstream crops the image and every map in ``seg_fields`` (a crop never
    pads: an image smaller than ``crop_size`` stays as it is, and the data
    preprocessor pads the batch with 255). This subclass adds:

    - boxes: shifted, clipped to the crop, and dropped -- with their labels
      and ignore flags -- when nothing of them is left;
    - points: shifted, and dropped with their labels when outside the crop;
    - ``cat_max_ratio`` on samples without a dense map: the ratio is then
      measured on ``gt_sparse_seg_map``, ignoring both 255 and 254
      (unlabeled); on samples with neither map it is not applied.

    Image-level tags (``gt_image_labels``) are kept as they are: they
    describe the image that was annotated, and a class whose pixels the crop
    removed is still a correct (if unseen) tag. A method that wants tags of
    the crop derives them with
    :func:`mmlabeleff.structures.image_labels_from_map` or
    :func:`~mmlabeleff.structures.image_labels_from_instances`.

    Required keys: ``img``, ``seg_fields`` maps, ``gt_bboxes``,
    ``gt_bboxes_labels``, ``gt_ignore_flags``, ``gt_points``,
    ``gt_points_labels`` (all but ``img`` optional).

    Modified keys: ``img``, ``img_shape``, the ``seg_fields`` maps and the
    box and point keys above.

    Args:
        crop_size (int | tuple[int, int]): ``(h, w)`` of the crop.
        cat_max_ratio (float): The largest share one class may take of the
            labelled pixels of the crop (10 tries). Defaults to 1 (off).
        ignore_index (int): Ignored in that share. Defaults to 255.
    """
    # ``cache_randomness`` records decorated names in this list; a list of
    # our own keeps the override from appending a second 'crop_bbox' to
    # mmseg's RandomCrop list (which breaks ``cache_random_params``).
    _methods_with_randomness: list = []

    @cache_randomness
    def crop_bbox(self, results: dict) -> tuple:
        """Draw a crop window.

        Args:
            results (dict): Transform results.

        Returns:
            tuple: ``(y1, y2, x1, x2)`` of the crop.
        """
        img_h, img_w = results['img'].shape[:2]

        def generate_crop_bbox() -> tuple:
            margin_h = max(img_h - self.crop_size[0], 0)
            margin_w = max(img_w - self.crop_size[1], 0)
            offset_h = np.random.randint(0, margin_h + 1)
            offset_w = np.random.randint(0, margin_w + 1)
            return (offset_h, offset_h + self.crop_size[0], offset_w,
                    offset_w + self.crop_size[1])

        ignored = (self.ignore_index, )
        seg = results.get('gt_seg_map', None)
        if seg is None:
            seg = results.get('gt_sparse_seg_map', None)
            ignored = (self.ignore_index, UNLABELED_INDEX)
        crop_bbox = generate_crop_bbox()
        if self.cat_max_ratio < 1. and seg is not None:
            for _ in range(10):
                labels, cnt = np.unique(
                    self.crop(seg, crop_bbox), return_counts=True)
                cnt = cnt[~np.isin(labels, ignored)]
                if len(cnt) > 1 and np.max(cnt) / np.sum(
                        cnt) < self.cat_max_ratio:
                    break
                crop_bbox = generate_crop_bbox()
        return crop_bbox

    def transform(self, results: dict) -> dict:
        """Crop the image, maps, boxes and points.

        Args:
            results (dict): Transform results.

        Returns:
            dict: The cropped results.
        """
        crop_bbox = self.crop_bbox(results)
        y1, _, x1, _ = crop_bbox
        img = self.crop(results['img'], crop_bbox)
        for key in results.get('seg_fields', []):
            results[key] = self.crop(results[key], crop_bbox)
        results['img'] = img
        results['img_shape'] = img.shape[:2]

        if results.get('gt_bboxes', None) is not None:
            boxes = results['gt_bboxes'] - np.array([x1, y1, x1, y1],
                                                    dtype=np.float32)
            results['gt_bboxes'] = clip_boxes(boxes, img.shape[:2])
            select_boxes(results, nonempty_boxes(results['gt_bboxes']))
        if results.get('gt_points', None) is not None:
            results['gt_points'] = results['gt_points'] - np.array(
                [x1, y1], dtype=np.float32)
            select_points(results,
                          points_inside(results['gt_points'], img.shape[:2]))
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(crop_size={self.crop_size}, '
                f'cat_max_ratio={self.cat_max_ratio}, '
                f'ignore_index={self.ignore_index})')
