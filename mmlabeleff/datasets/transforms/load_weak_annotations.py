"""Load every kind of weak annotation of a data info into ``results``."""
from typing import Optional

import mmcv
import mmengine.fileio as fileio
import numpy as np
from mmseg.datasets.transforms import LoadAnnotations

from mmlabeleff.registry import TRANSFORMS
from mmlabeleff.structures import check_label_map
from mmlabeleff.structures.superpixels import load_superpixel_map

__all__ = ['LoadWeakAnnotations']


@TRANSFORMS.register_module()
class LoadWeakAnnotations(LoadAnnotations):
    """Load dense, sparse, tag, box and point annotations.

    Extends mmseg's :class:`~mmseg.datasets.transforms.LoadAnnotations` (whose
    dense-map loading, ``reduce_zero_label`` and ``label_map`` handling are
    reused as they are) to the data-info keys of
    :mod:`mmlabeleff.structures.label_convention`. Every key is optional: a
    flag only says that the key is loaded *when the data info has it*, so one
    pipeline serves a dataset that mixes supervisions.

    ==========================  ==============================================
    data info key               results keys added
    ==========================  ==============================================
    ``seg_map_path``            ``gt_seg_map`` (uint8 ``(H, W)``), through
                                ``reduce_zero_label`` and ``label_map``
    ``sparse_map_path``         ``gt_sparse_seg_map`` (uint8 ``(H, W)``), as
                                stored: ids, 254 unlabeled, 255 ignore
    ``image_labels``            ``gt_image_labels`` (float32 ``(K,)``
                                multi-hot)
    ``instances``               ``gt_bboxes`` (float32 ``(N, 4)``),
                                ``gt_bboxes_labels`` (int64 ``(N,)``),
                                ``gt_ignore_flags`` (bool ``(N,)``)
    ``points``                  ``gt_points`` (float32 ``(N, 2)`` x, y),
                                ``gt_points_labels`` (int64 ``(N,)``)
    ==========================  ==============================================

    Both maps are appended to ``results['seg_fields']``, so that every
    geometric transform that walks ``seg_fields`` moves them (with nearest
    interpolation, except that :class:`WeakResize` downscales the sparse map
    by label area so that thin scribbles and points survive) and pads them
    with 255.

    Sparse maps, tags, boxes and points are expected in the dataset's own
    class ids already (``label_map`` and ``reduce_zero_label`` apply to the
    dense map only, as in mmseg); when the number of classes is known their
    values are checked, and the error names the file or image. A missing or
    undecodable (e.g. truncated) label PNG raises :class:`FileNotFoundError`
    or :class:`ValueError` naming the file and its image.

    Points: a data info's ``point`` ``[x, y]`` is the column and row of the
    labelled pixel (what ``np.nonzero`` of a sparse map gives). They are
    stored in ``gt_points`` as continuous coordinates in the frame of
    ``gt_bboxes`` -- the pixel centre ``(x + 0.5, y + 0.5)`` with the default
    ``point_offset`` -- so that flips (``W - x``), resizes (``x * s``), crops
    and rotations map them exactly like the pixels; the labelled pixel is
    always ``floor(gt_points)``. Set ``point_offset=0`` for data infos that
    already hold continuous coordinates.

    Required keys: ``seg_map_path`` / ``sparse_map_path`` / ``image_labels``
    / ``instances`` / ``points`` / ``superpixel_path`` (each optional; an
    over-segmentation, 16-bit ids, is loaded into ``gt_superpixel_map`` and
    registered in ``seg_fields``), ``seg_fields`` (created if
    absent), ``ori_shape`` and ``img_path`` (optional: used to check sizes
    and to name the image in errors), ``num_classes`` (optional),
    ``reduce_zero_label`` and ``label_map`` (for the dense map; a missing
    ``reduce_zero_label`` counts as False).

    Added keys: those in the table above, ``seg_fields``.

    Args:
        with_seg (bool): Load the dense map. Defaults to True.
        with_sparse_seg (bool): Load the sparse map. Defaults to True.
        with_image_labels (bool): Load the tags. Defaults to True.
        with_bbox (bool): Load boxes and their labels. Defaults to True.
        with_points (bool): Load points and their labels. Defaults to True.
        with_superpixel (bool): Load the over-segmentation. Defaults to
            True.
        num_classes (int, optional): K. Needed to build ``gt_image_labels``
            and to check the sparse map; when None, ``results['num_classes']``
            is used if present. Defaults to None.
        point_offset (float): Added to data-info points to get continuous
            coordinates. Defaults to 0.5 (pixel indices to pixel centres).
        image_labels_from_sparse (bool): When a data info has a sparse map
            (or boxes) but no ``image_labels``, set ``gt_image_labels`` to
            the classes of the whole sparse map (or of the boxes), before
            any crop (BLPSeg's public code restricts its self-training
            targets to the classes of the image's scribbles; SPML's
            co-occurrence term uses the classes of the whole image). Needs
            ``num_classes``. Defaults to False.
        reduce_zero_label (bool, optional): As in mmseg (deprecated there;
            set it on the dataset). Defaults to None.
        imdecode_backend (str): Backend of :func:`mmcv.imfrombytes`.
            Defaults to ``'pillow'`` (reads palette PNGs as indices).
        backend_args (dict, optional): File backend arguments. Defaults to
            None.
    """

    def __init__(self,
                 with_seg: bool = True,
                 with_sparse_seg: bool = True,
                 with_image_labels: bool = True,
                 with_bbox: bool = True,
                 with_points: bool = True,
                 with_superpixel: bool = True,
                 num_classes: Optional[int] = None,
                 point_offset: float = 0.5,
                 image_labels_from_sparse: bool = False,
                 reduce_zero_label: Optional[bool] = None,
                 imdecode_backend: str = 'pillow',
                 backend_args: Optional[dict] = None) -> None:
        super().__init__(
            reduce_zero_label=reduce_zero_label,
            backend_args=backend_args,
            imdecode_backend=imdecode_backend)
        self.with_seg = with_seg
        self.with_sparse_seg = with_sparse_seg
        self.with_image_labels = with_image_labels
        self.with_bbox = with_bbox
        self.with_label = with_bbox
        self.with_points = with_points
        self.with_superpixel = with_superpixel
        self.num_classes = num_classes
        self.point_offset = point_offset
        self.image_labels_from_sparse = image_labels_from_sparse

    def _num_classes(self, results: dict) -> Optional[int]:
        if self.num_classes is not None:
            return self.num_classes
        return results.get('num_classes', None)

    @staticmethod
    def _check_size(results: dict, key: str, path: str) -> None:
        """Raise if a map's size differs from the image's or another map's."""
        shape = results[key].shape[:2]
        others = [('image', results.get('img_path'), results.get('ori_shape'))]
        if key == 'gt_sparse_seg_map' and 'gt_seg_map' in results:
            others.append(('dense label map', results.get('seg_map_path'),
                           results['gt_seg_map'].shape))
        for kind, other_path, other_shape in others:
            if other_shape is not None and tuple(other_shape[:2]) != shape:
                raise ValueError(
                    f'{path} is {shape[0]}x{shape[1]} (HxW) but the {kind} '
                    f'{other_path} is {other_shape[0]}x{other_shape[1]}')

    def _check_labels(self, results: dict, labels: np.ndarray,
                      what: str) -> None:
        num_classes = self._num_classes(results)
        if num_classes is None or labels.size == 0:
            return
        bad = labels[(labels < 0) | (labels >= num_classes)]
        if bad.size:
            raise ValueError(
                f'{results.get("img_path")}: {what} {np.unique(bad).tolist()} '
                f'outside the {num_classes} classes 0..{num_classes - 1}')

    def _read_label_map(self, path: str, what: str,
                        results: dict) -> np.ndarray:
        """Read and decode one label PNG; every failure names the file.

        Raises:
            FileNotFoundError: If the file is missing.
            ValueError: If it cannot be decoded (e.g. truncated).
        """
        image = results.get('img_path')
        of_image = f' (of image {image})' if image else ''
        try:
            img_bytes = fileio.get(path, backend_args=self.backend_args)
        except FileNotFoundError as e:
            raise FileNotFoundError(
                f'{path}: {what} not found{of_image}') from e
        try:
            array = mmcv.imfrombytes(
                img_bytes, flag='unchanged', backend=self.imdecode_backend)
        except Exception as e:  # PIL / cv2 raise OSError, SyntaxError, ...
            raise ValueError(f'{path}: cannot decode the {what}{of_image} '
                             f'({type(e).__name__}: {e})') from e
        if array is None:  # cv2 returns None for undecodable bytes
            raise ValueError(f'{path}: cannot decode the {what}{of_image}')
        return array

    def _load_seg_map(self, results: dict) -> None:
        """mmseg's dense-map loading, with errors that name the file."""
        path = results['seg_map_path']
        try:
            super()._load_seg_map(results)
        except FileNotFoundError as e:
            raise FileNotFoundError(f'{path}: dense label map not found (of '
                                    f'image {results.get("img_path")})') from e
        except (OSError, SyntaxError, ValueError, AttributeError) as e:
            # a truncated or corrupt PNG: PIL's message does not name it
            raise ValueError(
                f'{path}: cannot decode the dense label map (of image '
                f'{results.get("img_path")}) ({type(e).__name__}: {e})') from e

    def _load_sparse_map(self, results: dict) -> None:
        """Load ``sparse_map_path`` into ``gt_sparse_seg_map``, unchanged."""
        path = results['sparse_map_path']
        sparse = self._read_label_map(path, 'sparse label map',
                                      results).squeeze().astype(np.uint8)
        num_classes = self._num_classes(results)
        if num_classes is not None:
            check_label_map(sparse, num_classes, path, sparse=True)
        results['gt_sparse_seg_map'] = sparse
        self._check_size(results, 'gt_sparse_seg_map', path)
        if 'gt_sparse_seg_map' not in results['seg_fields']:
            results['seg_fields'].append('gt_sparse_seg_map')

    def _load_image_labels(self, results: dict) -> None:
        """Turn ``image_labels`` (class ids) into a multi-hot vector."""
        num_classes = self._num_classes(results)
        if num_classes is None:
            raise ValueError(
                f'{results.get("img_path")}: image_labels need num_classes '
                '(LoadWeakAnnotations(num_classes=K) or results["num_classes"])')
        ids = np.asarray(results['image_labels'], dtype=np.int64).reshape(-1)
        self._check_labels(results, ids, 'image labels')
        tags = np.zeros(num_classes, dtype=np.float32)
        tags[ids] = 1.0
        results['gt_image_labels'] = tags

    def _image_labels_from_sparse(self, results: dict) -> None:
        """``gt_image_labels`` from the class ids of the whole sparse map, or
        of the boxes."""
        num_classes = self._num_classes(results)
        if num_classes is None:
            raise ValueError(
                f'{results.get("img_path")}: image_labels_from_sparse needs '
                'num_classes (LoadWeakAnnotations(num_classes=K))')
        if results.get('gt_sparse_seg_map', None) is not None:
            ids = np.unique(results['gt_sparse_seg_map'])
        else:  # boxes: their classes
            ids = np.unique(np.asarray(results['gt_bboxes_labels'],
                                       dtype=np.int64))
        tags = np.zeros(num_classes, dtype=np.float32)
        tags[ids[ids < num_classes]] = 1.0
        results['gt_image_labels'] = tags

    def _load_bboxes(self, results: dict) -> None:
        """Boxes (mmcv's loader) plus the mmdet-style ignore flags."""
        super()._load_bboxes(results)
        results['gt_ignore_flags'] = np.array(
            [bool(inst.get('ignore_flag', 0)) for inst in results['instances']],
            dtype=bool)

    def _load_points(self, results: dict) -> None:
        """Turn ``points`` into ``gt_points`` and ``gt_points_labels``."""
        points = results['points']
        xy = np.array([p['point'] for p in points],
                      dtype=np.float32).reshape(-1, 2) + self.point_offset
        labels = np.array([p['point_label'] for p in points], dtype=np.int64)
        self._check_labels(results, labels, 'point labels')
        shape = results.get('ori_shape', None)
        if shape is not None and len(xy):
            h, w = shape[:2]
            outside = ((xy[:, 0] < 0) | (xy[:, 0] >= w) | (xy[:, 1] < 0)
                       | (xy[:, 1] >= h))
            if outside.any():
                raise ValueError(
                    f'{results.get("img_path")}: points '
                    f'{(xy[outside] - self.point_offset).tolist()} lie outside '
                    f'the {h}x{w} (HxW) image')
        results['gt_points'] = xy
        results['gt_points_labels'] = labels

    def _load_superpixels(self, results: dict) -> None:
        """Load ``superpixel_path`` (16-bit ids) into ``gt_superpixel_map``."""
        path = results['superpixel_path']
        try:
            segments = load_superpixel_map(path)
        except FileNotFoundError as e:
            raise FileNotFoundError(f'{e} (of image {results.get("img_path")})'
                                    ) from e
        except ValueError as e:
            raise ValueError(f'{e} (of image {results.get("img_path")})') from e
        results['gt_superpixel_map'] = segments.astype(np.int32)
        self._check_size(results, 'gt_superpixel_map', path)
        if 'gt_superpixel_map' not in results['seg_fields']:
            results['seg_fields'].append('gt_superpixel_map')

    def transform(self, results: dict) -> dict:
        """Load the annotations that the data info holds.

        Args:
            results (dict): A data info (see the class docstring).

        Returns:
            dict: ``results`` with the loaded keys added.
        """
        results.setdefault('seg_fields', [])
        if self.with_seg and results.get('seg_map_path', None) is not None:
            results.setdefault('reduce_zero_label',
                               bool(self.reduce_zero_label))
            self._load_seg_map(results)
            self._check_size(results, 'gt_seg_map', results['seg_map_path'])
        if (self.with_sparse_seg
                and results.get('sparse_map_path', None) is not None):
            self._load_sparse_map(results)
        if (self.with_image_labels
                and results.get('image_labels', None) is not None):
            self._load_image_labels(results)
        if self.with_bbox and results.get('instances', None) is not None:
            self._load_bboxes(results)
            self._load_labels(results)
            self._check_labels(results, results['gt_bboxes_labels'],
                               'box labels')
        if (self.image_labels_from_sparse
                and 'gt_image_labels' not in results
                and (results.get('gt_sparse_seg_map', None) is not None
                     or results.get('gt_bboxes_labels', None) is not None)):
            self._image_labels_from_sparse(results)
        if self.with_points and results.get('points', None) is not None:
            self._load_points(results)
        if (self.with_superpixel
                and results.get('superpixel_path', None) is not None):
            self._load_superpixels(results)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(with_seg={self.with_seg}, '
                f'with_sparse_seg={self.with_sparse_seg}, '
                f'with_image_labels={self.with_image_labels}, '
                f'with_bbox={self.with_bbox}, '
                f'with_points={self.with_points}, '
                f'with_superpixel={self.with_superpixel}, '
                f'num_classes={self.num_classes}, '
                f'point_offset={self.point_offset}, '
                f'image_labels_from_sparse={self.image_labels_from_sparse}, '
                f'reduce_zero_label={self.reduce_zero_label}, '
                f"imdecode_backend='{self.imdecode_backend}', "
                f'backend_args={self.backend_args})')
