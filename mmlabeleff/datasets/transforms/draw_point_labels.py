"""Rasterise click points into the sparse label map at training resolution."""
import numpy as np
from mmcv.transforms import BaseTransform

from mmlabeleff.registry import TRANSFORMS
from mmlabeleff.structures import IGNORE_INDEX, UNLABELED_INDEX

__all__ = ['DrawPointLabels']


@TRANSFORMS.register_module()
class DrawPointLabels(BaseTransform):
    """Draw ``gt_points`` as disks of ``radius`` px into ``gt_sparse_seg_map``.

    Point supervision trains the same losses as scribbles on a sparse map
    (254 = unlabeled, 255 = ignore) in which every click is a small disk: SPML
    (Ke et al., ICLR 2021) dilates VOC points by 6 px. Drawing them here,
    after the geometric transforms, makes the radius a training-resolution
    quantity set in the config, independent of how the image was resized.

    The new map starts from the current ``gt_sparse_seg_map`` with every label
    reset to 254 and its 255 pixels (void, padding) kept, or, without one, an
    all-254 map of the image's size. The disk of each point is centred on the
    pixel ``floor(gt_points)`` and holds the pixels within ``radius`` of it
    (``radius=0``: that pixel only); it does not overwrite 255, and points
    outside the image are skipped. Where disks of different classes overlap,
    the pixel takes the label of the nearest point (ties: the first point).
    A sample without ``gt_points`` (e.g. scribbles, full masks) is returned
    unchanged, so one pipeline serves every label type.

    Required keys: ``img`` (for its size), ``gt_points`` ((N, 2) float x, y;
    optional),
    ``gt_points_labels`` ((N,) int), ``gt_sparse_seg_map`` (optional).

    Modified keys: ``gt_sparse_seg_map`` (created if absent), ``seg_fields``.

    Args:
        radius (int): Disk radius in pixels at training resolution.
    """

    def __init__(self, radius: int) -> None:
        if int(radius) != radius or radius < 0:
            raise ValueError(f'radius must be a non-negative int, got {radius}')
        self.radius = int(radius)

    def transform(self, results: dict) -> dict:
        """Replace the sparse map by the drawn points.

        Args:
            results (dict): Transform results.

        Returns:
            dict: The results with the new ``gt_sparse_seg_map``.
        """
        if results.get('gt_points', None) is None:
            return results
        height, width = results['img'].shape[:2]
        sparse = results.get('gt_sparse_seg_map', None)
        if sparse is None:
            out = np.full((height, width), UNLABELED_INDEX, dtype=np.uint8)
        else:
            if sparse.shape[:2] != (height, width):
                raise ValueError(
                    f'{results.get("img_path")}: gt_sparse_seg_map '
                    f'{sparse.shape[:2]} differs from the image '
                    f'{(height, width)}')
            out = np.where(sparse == IGNORE_INDEX, IGNORE_INDEX,
                           UNLABELED_INDEX).astype(np.uint8)
        points = results['gt_points']
        if len(points):
            labels = np.asarray(results['gt_points_labels'], dtype=np.int64)
            cols, rows = np.floor(np.asarray(points, dtype=np.float64)).T.astype(
                np.int64)
            inside = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)
            best = np.full((height, width), np.inf)
            r = self.radius
            for row, col, label in zip(rows[inside], cols[inside], labels[inside]):
                r0, r1 = max(row - r, 0), min(row + r + 1, height)
                c0, c1 = max(col - r, 0), min(col + r + 1, width)
                yy, xx = np.mgrid[r0:r1, c0:c1]
                dist2 = (yy - row) ** 2 + (xx - col) ** 2
                window = out[r0:r1, c0:c1]
                closer = (dist2 <= r * r) & (dist2 < best[r0:r1, c0:c1]) & (
                    window != IGNORE_INDEX)
                window[closer] = label
                best[r0:r1, c0:c1][closer] = dist2[closer]
        results['gt_sparse_seg_map'] = out
        fields = results.setdefault('seg_fields', [])
        if 'gt_sparse_seg_map' not in fields:
            fields.append('gt_sparse_seg_map')
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(radius={self.radius})'
