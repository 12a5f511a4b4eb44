"""Seeded simulation of weak labels (tags, boxes, scribbles, points, partial
masks) from dense segmentation masks.

The simulated annotator follows two public protocols:

- ScribbleSup (Lin, Dai, Jia, He and Sun, "ScribbleSup: Scribble-Supervised
  Convolutional Networks for Semantic Segmentation", CVPR 2016): every object
  and every "stuff" region gets one scribble drawn inside it.
- SPML (Ke, Hwang, Liu and Yu, "Universal Weakly Supervised Segmentation by
  Pixel-to-Segment Contrastive Learning", ICLR 2021): its scribble-length
  study shortens each scribble to 100 / 80 / 50 / 30 / 0 % of its length
  (0 % being a single point), and it dilates scribbles by 3 px and points by
  6 px when it draws them.

Scribbles are drawn with a round brush of ``scribble_width`` pixels at the
original image size, as an annotator draws them; the default, 1, is a
1-pixel line, as PASCAL-Scribble's XML polylines are rasterised for BLPSeg
(Wang et al., TIP 2023).

Written for mmlabeleff from these descriptions; no code was copied.

All output follows :mod:`mmlabeleff.structures.label_convention`: class ids
``0..K-1``, :data:`UNLABELED_INDEX` (254) on pixels nobody labelled,
:data:`IGNORE_INDEX` (255) on void. Void pixels never receive a label.
"""
import hashlib
from typing import Dict, List, Sequence, Tuple, Union

import numpy as np
from scipy import ndimage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import breadth_first_order
from skimage.morphology import disk, skeletonize

from .label_convention import IGNORE_INDEX, MAX_NUM_CLASSES, UNLABELED_INDEX
from .weak_label_files import point_record

__all__ = ['WeakLabelSimulator']

# Neighbour offsets that, taken both ways, give 8-connectivity.
_HALF_NEIGHBOURS = ((0, 1), (1, -1), (1, 0), (1, 1))


def _stable_hash(key: str) -> int:
    """A 64-bit hash of ``key`` that is the same in every process and run
    (unlike :func:`hash`, which Python salts per process)."""
    digest = hashlib.blake2b(str(key).encode('utf-8'), digest_size=8).digest()
    return int.from_bytes(digest, 'little')


def _longest_path(piece: np.ndarray) -> np.ndarray:
    """Longest path of a connected skeleton by a double breadth-first sweep.

    The skeleton's pixels are the nodes of a graph with 8-neighbour edges. A
    BFS from any node ends at a node ``a`` far from it; a BFS from ``a`` ends
    at ``b``; the BFS tree path ``a -> b`` is the skeleton's diameter when the
    skeleton is a tree (exact) and a long path otherwise.

    Args:
        piece (np.ndarray): ``(H, W)`` bool, one 8-connected skeleton.

    Returns:
        np.ndarray: ``(L, 2)`` int (row, col) of the path, in order.
    """
    rows, cols = np.nonzero(piece)
    num = rows.size
    if num == 1:
        return np.stack([rows, cols], axis=1)
    index = np.full(piece.shape, -1, dtype=np.int64)
    index[rows, cols] = np.arange(num)
    src, dst = [], []
    height, width = piece.shape
    for dr, dc in _HALF_NEIGHBOURS:
        r2, c2 = rows + dr, cols + dc
        inside = (r2 >= 0) & (r2 < height) & (c2 >= 0) & (c2 < width)
        neighbour = np.full(num, -1, dtype=np.int64)
        neighbour[inside] = index[r2[inside], c2[inside]]
        keep = neighbour >= 0
        src.append(np.nonzero(keep)[0])
        dst.append(neighbour[keep])
    src = np.concatenate(src)
    dst = np.concatenate(dst)
    graph = coo_matrix((np.ones(src.size, dtype=np.int8), (src, dst)),
                       shape=(num, num)).tocsr()
    order, _ = breadth_first_order(graph, 0, directed=False)
    start = order[-1]
    order, pred = breadth_first_order(graph, start, directed=False)
    node = order[-1]
    path = [node]
    while node != start:
        node = pred[node]
        path.append(node)
    path = np.asarray(path[::-1])
    return np.stack([rows[path], cols[path]], axis=1)


class WeakLabelSimulator:
    """Derive seeded weak labels from a dense mask.

    Objects are the connected components of each class (``connectivity`` 8
    by default, :func:`scipy.ndimage.label`), numbered class by class in
    ascending class id and, within a class, in raster order of their first
    pixel. "Stuff" classes (road, sky, ...) are split into components in the
    same way as "things": every class is treated alike, as in ScribbleSup,
    where annotators scribble on every object and every stuff region.

    Determinism: each call draws from
    ``np.random.default_rng([seed, stable_hash(key), stable_hash(kind)])``,
    where ``key`` identifies the image (e.g. its file stem) and ``kind`` the
    label type. The labels of an image therefore depend only on the seed, the
    key, the mask and the options, never on processing order or on which
    other images exist; and one label type's draws do not move another's.

    Args:
        num_classes (int): K; class ids are ``0..K-1``.
        ignore_index (int): Void value in the input masks (255 by default).
            Void is written as 255 in every output, per the convention.
        seed (int): Global seed.
        connectivity (int): 8 or 4, the neighbourhood that makes pixels of one
            class one object.
        min_pixels (int): :meth:`tags` drops a class covering fewer pixels.
        min_area (int): :meth:`boxes`, :meth:`scribbles`, :meth:`points` and
            :meth:`partial` (``mode='objects'``) ignore objects of fewer
            pixels (specks of label noise no annotator would label). 0 keeps
            all.
        erosion (int): Iterations of 3x3 erosion applied to an object before
            it is skeletonized, so that scribbles keep off object boundaries.
            An object that erosion would delete is skeletonized as is.
        scribble_width (int): Width in pixels, at the original image size,
            of the round brush scribbles are drawn with: an odd int >= 1,
            a disk of diameter ``scribble_width`` (radius
            ``(scribble_width - 1) // 2``) swept along the scribble. 1 (the
            default) draws a 1-pixel 8-connected line, as PASCAL-Scribble's
            XML polylines are rasterised for BLPSeg; 3 is close to SPML's
            scribbles (the ScribbleSup converter's ``--dilation 3``).
            ``2 r + 1`` replaces the former ``scribble_dilation=r`` (a disk
            of radius ``r``), pixel for pixel. The stroke is clipped to its
            object.
        point_dilation (int): Radius (px) of the disk a point is drawn as; 0
            draws one pixel. SPML used 6. Clipped to the object.
        interior_ratio (float): :meth:`points` samples among the object's
            pixels whose distance to the object boundary is at least
            ``interior_ratio`` times the object's largest such distance.
    """

    def __init__(self,
                 num_classes: int,
                 ignore_index: int = IGNORE_INDEX,
                 seed: int = 0,
                 connectivity: int = 8,
                 min_pixels: int = 1,
                 min_area: int = 0,
                 erosion: int = 1,
                 scribble_width: int = 1,
                 point_dilation: int = 0,
                 interior_ratio: float = 0.5) -> None:
        if not 0 < num_classes <= MAX_NUM_CLASSES:
            raise ValueError(f'num_classes must be in 1..{MAX_NUM_CLASSES}, '
                             f'got {num_classes}')
        if 0 <= ignore_index < num_classes:
            raise ValueError(f'ignore_index {ignore_index} is a class id '
                             f'(num_classes={num_classes})')
        if connectivity not in (4, 8):
            raise ValueError(f'connectivity must be 4 or 8, got {connectivity}')
        if not 0.0 <= interior_ratio <= 1.0:
            raise ValueError(f'interior_ratio must be in [0, 1], '
                             f'got {interior_ratio}')
        for name, value in (('min_pixels', min_pixels), ('min_area', min_area),
                            ('erosion', erosion),
                            ('point_dilation', point_dilation)):
            if int(value) != value or value < 0:
                raise ValueError(f'{name} must be a non-negative int, '
                                 f'got {value}')
        if (int(scribble_width) != scribble_width or scribble_width < 1
                or scribble_width % 2 == 0):
            raise ValueError('scribble_width must be an odd int >= 1 (a '
                             f'brush centred on the line), got {scribble_width}')
        self.num_classes = int(num_classes)
        self.ignore_index = int(ignore_index)
        self.seed = int(seed)
        self.connectivity = int(connectivity)
        self.min_pixels = int(min_pixels)
        self.min_area = int(min_area)
        self.erosion = int(erosion)
        self.scribble_width = int(scribble_width)
        self.point_dilation = int(point_dilation)
        self.interior_ratio = float(interior_ratio)

    # ------------------------------------------------------------------ helpers
    def rng(self, key: str, kind: str) -> np.random.Generator:
        """The generator of label type ``kind`` for image ``key``."""
        return np.random.default_rng(
            [self.seed, _stable_hash(key), _stable_hash(kind)])

    def _check(self, mask: np.ndarray) -> np.ndarray:
        mask = np.asarray(mask)
        if mask.ndim != 2:
            raise ValueError(f'expected an (H, W) mask, got shape {mask.shape}')
        if not np.issubdtype(mask.dtype, np.integer):
            raise ValueError(f'expected an integer mask, got {mask.dtype}')
        values = np.unique(mask)
        bad = values[(values != self.ignore_index)
                     & ((values < 0) | (values >= self.num_classes))]
        if bad.size:
            raise ValueError(
                f'mask holds values {bad.tolist()} outside the classes '
                f'0..{self.num_classes - 1} and ignore_index '
                f'{self.ignore_index}')
        return mask

    def objects(self, mask: np.ndarray) -> Dict[str, np.ndarray]:
        """Number the objects (connected components of each class).

        Args:
            mask (np.ndarray): ``(H, W)`` dense mask.

        Returns:
            dict: ``object_map`` ``(H, W)`` int32, 0 off objects (void) and
            ``1..N`` on object pixels; ``labels`` ``(N,)`` class of each
            object; ``areas`` ``(N,)`` pixel counts; ``slices`` list of N
            ``(row slice, col slice)`` bounding boxes.
        """
        return self._objects(self._check(mask))

    def _objects(self, mask: np.ndarray) -> Dict[str, np.ndarray]:
        structure = ndimage.generate_binary_structure(
            2, 2 if self.connectivity == 8 else 1)
        object_map = np.zeros(mask.shape, dtype=np.int32)
        labels = []
        offset = 0
        for cls in np.unique(mask):
            if cls == self.ignore_index:
                continue
            comp, num = ndimage.label(mask == cls, structure=structure)
            on = comp > 0
            object_map[on] = comp[on] + offset
            labels += [int(cls)] * num
            offset += num
        areas = np.bincount(object_map.ravel(), minlength=offset + 1)[1:]
        slices = ndimage.find_objects(object_map, max_label=offset)
        return dict(object_map=object_map,
                    labels=np.asarray(labels, dtype=np.int64),
                    areas=areas.astype(np.int64), slices=slices)

    def _empty_sparse(self, mask: np.ndarray) -> np.ndarray:
        sparse = np.full(mask.shape, UNLABELED_INDEX, dtype=np.uint8)
        sparse[mask == self.ignore_index] = IGNORE_INDEX
        return sparse

    @staticmethod
    def _crop(slc: Tuple[slice, slice], shape: Tuple[int, int],
              margin: int) -> Tuple[slice, slice]:
        """``slc`` grown by ``margin`` px on each side, within the image."""
        return tuple(
            slice(max(s.start - margin, 0), min(s.stop + margin, size))
            for s, size in zip(slc, shape))

    def _draw(self, sparse: np.ndarray, objs: dict, index: int,
              rows: np.ndarray, cols: np.ndarray, radius: int) -> None:
        """Label object ``index`` (0-based) at pixels (rows, cols) dilated by
        a disk of ``radius``, clipped to the object."""
        label = objs['labels'][index]
        if radius == 0:
            sparse[rows, cols] = label
            return
        crop = self._crop(objs['slices'][index], sparse.shape, radius)
        seeds = np.zeros((crop[0].stop - crop[0].start,
                          crop[1].stop - crop[1].start), dtype=bool)
        seeds[rows - crop[0].start, cols - crop[1].start] = True
        grown = ndimage.binary_dilation(seeds, structure=disk(radius))
        grown &= objs['object_map'][crop] == index + 1
        sparse[crop][grown] = label

    def _kept(self, objs: dict) -> np.ndarray:
        """Indices (0-based) of objects of at least ``min_area`` pixels."""
        return np.nonzero(objs['areas'] >= max(self.min_area, 1))[0]

    # ------------------------------------------------------------ label types
    def tags(self, mask: np.ndarray, key: str = '') -> List[int]:
        """Image-level tags: the classes present, void excluded.

        Args:
            mask (np.ndarray): ``(H, W)`` dense mask.
            key (str): Image key (unused; tags are not random).

        Returns:
            list[int]: Sorted class ids covering at least ``min_pixels``
            pixels.
        """
        mask = self._check(mask)
        valid = mask[mask != self.ignore_index].astype(np.int64)
        counts = np.bincount(valid, minlength=self.num_classes)
        return [int(c) for c in np.nonzero(counts >= max(self.min_pixels, 1))[0]]

    def boxes(self, mask: np.ndarray, mode: str = 'component',
              key: str = '') -> List[dict]:
        """Tight bounding boxes, mmdet-style instance dicts.

        Coordinates are pixel edges: a box spanning pixel columns 3..5 and
        rows 7..7 is ``[3, 7, 6, 8]`` (``x2``/``y2`` exclusive), so
        ``mask[y1:y2, x1:x2]`` is exactly the box and its width is
        ``x2 - x1``.

        Args:
            mask (np.ndarray): ``(H, W)`` dense mask.
            mode (str): ``'component'``: one box per object (connected
                component) of at least ``min_area`` pixels;
                ``'class'``: one box around all pixels of each class.
            key (str): Image key (unused; boxes are not random).

        Returns:
            list[dict]: ``bbox`` ``[x1, y1, x2, y2]`` (ints), ``bbox_label``
            and ``ignore_flag`` (0), ordered by class, then raster order.
        """
        mask = self._check(mask)
        if mode == 'component':
            objs = self._objects(mask)
            entries = [(objs['labels'][i], objs['slices'][i])
                       for i in self._kept(objs)]
        elif mode == 'class':
            present = mask != self.ignore_index
            slices = ndimage.find_objects(
                np.where(present, mask.astype(np.int64) + 1, 0))
            entries = [(cls, slc) for cls, slc in enumerate(slices)
                       if slc is not None]
        else:
            raise ValueError(f"mode must be 'component' or 'class', got {mode!r}")
        return [
            dict(bbox=[int(cols.start), int(rows.start), int(cols.stop),
                       int(rows.stop)],
                 bbox_label=int(cls), ignore_flag=0)
            for cls, (rows, cols) in entries
        ]

    def scribble_paths(self, mask: np.ndarray,
                       objs: dict = None) -> List[np.ndarray]:
        """The full-length scribble of each object, before shortening.

        For each object of at least ``min_area`` pixels: erode it by
        ``erosion`` 3x3 iterations (unless that empties it), skeletonize it
        (:func:`skimage.morphology.skeletonize`), keep the largest
        8-connected skeleton piece and take its longest path (double
        breadth-first sweep). An object whose skeleton is empty gets the pixel
        deepest inside it. Thinning shortens compact blobs most: a
        rectangle's skeleton is its midline without the corner branches, a
        disc's about one pixel, so scribbles on squat objects are short.

        Args:
            mask (np.ndarray): ``(H, W)`` dense mask.
            objs (dict, optional): :meth:`objects` of ``mask`` if known.

        Returns:
            list[np.ndarray]: For every object (0-based index), the ``(L, 2)``
            (row, col) path, or an empty ``(0, 2)`` array for objects under
            ``min_area``.
        """
        if objs is None:
            objs = self._objects(self._check(mask))
        shape = objs['object_map'].shape
        eight = np.ones((3, 3), dtype=bool)
        paths = [np.zeros((0, 2), dtype=np.int64)] * len(objs['labels'])
        for index in self._kept(objs):
            crop = self._crop(objs['slices'][index], shape, 1)
            region = objs['object_map'][crop] == index + 1
            body = region
            if self.erosion:
                eroded = ndimage.binary_erosion(
                    region, structure=eight, iterations=self.erosion)
                if eroded.any():
                    body = eroded
            skeleton = skeletonize(body)
            if not skeleton.any():
                depth = ndimage.distance_transform_edt(
                    np.pad(region, 1))[1:-1, 1:-1]
                skeleton = np.zeros_like(region)
                skeleton[np.unravel_index(np.argmax(depth), depth.shape)] = True
            pieces, num = ndimage.label(skeleton, structure=eight)
            if num > 1:
                sizes = np.bincount(pieces.ravel())[1:]
                skeleton = pieces == int(np.argmax(sizes)) + 1
            path = _longest_path(skeleton)
            path[:, 0] += crop[0].start
            path[:, 1] += crop[1].start
            paths[index] = path
        return paths

    @staticmethod
    def sub_path(length: int, centre: int, ratio: float) -> Tuple[int, int]:
        """The contiguous part ``[start, stop)`` of a path kept at ``ratio``.

        It holds ``max(1, round(ratio * length))`` pixels (one pixel, the
        centre, for ``ratio == 0``), is centred on index ``centre`` and is
        shifted inwards where it would overrun an end. For a fixed centre the
        parts are nested: a shorter ratio's part lies inside a longer one's.
        """
        if ratio >= 1.0:
            return 0, length
        keep = 1 if ratio <= 0.0 else max(1, int(round(ratio * length)))
        start = centre - (keep - 1) // 2
        start = min(max(start, 0), length - keep)
        return start, start + keep

    def scribbles(self, mask: np.ndarray,
                  length_ratio: Union[float, Sequence[float]] = 1.0,
                  key: str = '') -> Union[np.ndarray, List[np.ndarray]]:
        """Skeleton scribbles, one per object, shortened to ``length_ratio``.

        The full scribble of an object is the longest path of the skeleton of
        the slightly eroded object (see :meth:`scribble_paths`), a stand-in
        for the stroke a ScribbleSup annotator draws along an object. SPML's
        length study keeps a contiguous part of it: 1.0 / 0.8 / 0.5 / 0.3 of
        its length, or 0.0: a single point ("points"). The part is centred on
        a position drawn uniformly along the path, once per object (so the
        parts of all ratios are nested and their pixel counts monotone), and
        shifted inwards at the path's ends; ratio 0.0 labels exactly that
        centre pixel. The stroke is then drawn with a round brush
        ``scribble_width`` px wide (a 1-pixel line by default) and clipped
        to its object, so a scribble never leaves its object nor touches
        void.

        Args:
            mask (np.ndarray): ``(H, W)`` dense mask.
            length_ratio (float | Sequence[float]): Fraction(s) of the
                scribble length to keep, in ``[0, 1]``. A sequence computes
                the skeletons once and returns one map per ratio.
            key (str): Image key for the random generator.

        Returns:
            np.ndarray | list[np.ndarray]: ``(H, W)`` uint8 sparse map(s):
            class ids on scribbles, 254 elsewhere, 255 on void.
        """
        ratios = ([length_ratio] if np.isscalar(length_ratio) else
                  list(length_ratio))
        for ratio in ratios:
            if not 0.0 <= ratio <= 1.0:
                raise ValueError(f'length_ratio must be in [0, 1], got {ratio}')
        mask = self._check(mask)
        objs = self._objects(mask)
        paths = self.scribble_paths(mask, objs)
        # One draw per object, including skipped ones, so that the positions
        # depend on neither the ratio nor min_area.
        positions = self.rng(key, 'scribbles').random(len(paths))
        maps = []
        for ratio in ratios:
            sparse = self._empty_sparse(mask)
            for index, path in enumerate(paths):
                if not len(path):
                    continue
                centre = min(int(positions[index] * len(path)), len(path) - 1)
                start, stop = self.sub_path(len(path), centre, ratio)
                part = path[start:stop]
                self._draw(sparse, objs, index, part[:, 0], part[:, 1],
                           (self.scribble_width - 1) // 2)
            maps.append(sparse)
        return maps[0] if np.isscalar(length_ratio) else maps

    def points(self, mask: np.ndarray, num_points: int = 1,
               key: str = '') -> Tuple[np.ndarray, List[dict]]:
        """Click points, ``num_points`` per object, preferring its interior.

        For each object of at least ``min_area`` pixels, the distance of each
        of its pixels to the nearest pixel outside it (another class, another
        object, void; the image border does not count, the object goes on
        beyond it) is computed with :func:`scipy.ndimage.distance_transform_edt`.
        Points are drawn uniformly without replacement among the pixels whose
        distance is at least ``interior_ratio`` times the object's maximum
        (all its pixels if fewer than ``num_points`` qualify), as an annotator
        clicks well inside an object rather than on its edge.

        Args:
            mask (np.ndarray): ``(H, W)`` dense mask.
            num_points (int): Points per object (fewer for objects with fewer
                pixels).
            key (str): Image key for the random generator.

        Returns:
            tuple: ``(sparse_map, points)``: the ``(H, W)`` uint8 map with the
            points (dilated by ``point_dilation``, clipped to the object) and
            a list of ``dict(point=[x, y], point_label=c)``, where ``x`` is
            the pixel's column and ``y`` its row (integers; ``sparse_map[y,
            x] == c``).
        """
        if int(num_points) != num_points or num_points < 1:
            raise ValueError(f'num_points must be a positive int, got {num_points}')
        mask = self._check(mask)
        objs = self._objects(mask)
        rng = self.rng(key, f'points{int(num_points)}')
        sparse = self._empty_sparse(mask)
        shape = mask.shape
        points = []
        for index in self._kept(objs):
            slc = objs['slices'][index]
            # Grow the crop by one pixel inside the image only, so that the
            # image border is not taken for the object's boundary.
            crop = self._crop(slc, shape, 1)
            region = objs['object_map'][crop] == index + 1
            if region.all():
                candidates = np.ones_like(region)
            else:
                depth = ndimage.distance_transform_edt(region)
                candidates = depth >= self.interior_ratio * depth.max()
                candidates &= region
                if candidates.sum() < num_points:
                    candidates = region
            rows, cols = np.nonzero(candidates)
            take = rng.choice(rows.size, size=min(int(num_points), rows.size),
                              replace=False)
            take.sort()
            rows = rows[take] + crop[0].start
            cols = cols[take] + crop[1].start
            self._draw(sparse, objs, index, rows, cols, self.point_dilation)
            label = int(objs['labels'][index])
            points += [point_record(c, r, label) for r, c in zip(rows, cols)]
        return sparse, points

    def partial(self, mask: np.ndarray, fraction: float = 0.1,
                mode: str = 'objects', key: str = '') -> np.ndarray:
        """A partial mask: a random subset of objects or pixels, fully labelled.

        The number kept is ``fraction`` times the number of candidates,
        stochastically rounded (``floor(f * n)`` plus one with probability of
        the remainder), so that its expectation is exactly ``f * n`` even for
        images with few objects; the subset is uniform without replacement.

        Args:
            mask (np.ndarray): ``(H, W)`` dense mask.
            fraction (float): Fraction in ``[0, 1]`` of the candidates kept.
            mode (str): ``'objects'``: candidates are the objects of at least
                ``min_area`` pixels, each kept whole; ``'pixels'``:
                candidates are the non-void pixels.
            key (str): Image key for the random generator.

        Returns:
            np.ndarray: ``(H, W)`` uint8 sparse map: the kept objects / pixels
            with their class, 254 elsewhere, 255 on void.
        """
        if not 0.0 <= fraction <= 1.0:
            raise ValueError(f'fraction must be in [0, 1], got {fraction}')
        if mode not in ('objects', 'pixels'):
            raise ValueError(f"mode must be 'objects' or 'pixels', got {mode!r}")
        mask = self._check(mask)
        rng = self.rng(key, f'partial-{mode}')
        sparse = self._empty_sparse(mask)
        if mode == 'objects':
            objs = self._objects(mask)
            pool = self._kept(objs)
        else:
            pool = np.flatnonzero(mask != self.ignore_index)
        exact = fraction * pool.size
        count = int(np.floor(exact))
        count += int(rng.random() < exact - count)
        chosen = rng.choice(pool, size=min(count, pool.size), replace=False)
        if mode == 'objects':
            keep = np.isin(objs['object_map'], chosen + 1)
        else:
            keep = np.zeros(mask.size, dtype=bool)
            keep[chosen] = True
            keep = keep.reshape(mask.shape)
        sparse[keep] = mask[keep]
        return sparse
