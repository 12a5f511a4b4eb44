"""The base of every weak-label dataset of mmlabeleff.

Every dataset of :mod:`mmlabeleff.datasets` emits data infos with the keys
of :mod:`mmlabeleff.structures.label_convention`, and only the annotations
its ``supervision`` allows: a ``'tags'`` sample carries ``image_labels`` but
no ``seg_map_path``, so a weakly supervised recipe cannot read stronger
labels by accident. A dataset with another ``supervision`` (usually
``'full'``) over the same images is what evaluates pseudo-labels on the
training set. :class:`BaseWeakSegDataset` owns what they share: the
``supervision`` and ``domain`` arguments and their checks, split files, the
file names of simulated weak labels
(:mod:`mmlabeleff.structures.weak_label_files`), the weak-label JSON readers
and errors that name the file.
"""
import json
import os.path as osp
from typing import Any, Dict, List, Optional, Tuple, Union

from mmengine import fileio
from mmseg.datasets import BaseSegDataset

from mmlabeleff.structures.label_convention import (
    DOMAINS,
    IGNORE_INDEX,
    SPARSE_SUPERVISION_TYPES,
    SUPERVISION_TYPES,
)
from mmlabeleff.structures.weak_label_files import (
    BOXES_FILE,
    BOXES_FORMAT,
    DEFAULT_WEAK_LABELS,
    POINTS_FORMAT,
    TAGS_FILE,
    TAGS_FORMAT,
    points_file_name,
    sparse_map_file,
)

__all__ = ['BaseWeakSegDataset', 'require_file', 'read_json']


def require_file(path: str, what: str, hint: str = '',
                 backend_args: Optional[dict] = None) -> None:
    """Raise :class:`FileNotFoundError` naming ``path`` if it is absent.

    Args:
        path (str): The file.
        what (str): What it is, e.g. ``'split file'``.
        hint (str): Appended to the message, e.g. how to make the file.
        backend_args (dict, optional): mmengine file backend arguments.

    Raises:
        FileNotFoundError: ``'<path>: <what> not found<hint>'``.
    """
    if not fileio.exists(path, backend_args=backend_args):
        raise FileNotFoundError(f'{path}: {what} not found{hint}')


def read_json(path: str, what: str = 'JSON file',
              backend_args: Optional[dict] = None) -> Any:
    """Read a JSON file; every failure names the file.

    Args:
        path (str): The file.
        what (str): What it is, for the messages.
        backend_args (dict, optional): mmengine file backend arguments.

    Returns:
        Any: The decoded JSON.

    Raises:
        FileNotFoundError: If the file does not exist.
        ValueError: If it is not UTF-8 text or not valid JSON.
    """
    require_file(path, what, backend_args=backend_args)
    try:
        return json.loads(fileio.get_text(path, backend_args=backend_args))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f'{path}: malformed JSON in the {what} ({e})') from e


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_int(value) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, float) and value.is_integer())


def _check_records(table: Dict[str, list], path: str, what: str, fmt: str,
                   coords: str, size: int, label: str) -> None:
    """Check that every record is ``{coords: [size numbers], label: int}``."""
    for img_id, records in table.items():
        for record in records:
            if not (isinstance(record, dict)
                    and isinstance(record.get(coords), list)
                    and len(record[coords]) == size
                    and all(_is_number(v) for v in record[coords])
                    and _is_int(record.get(label))):
                raise ValueError(f'{path}: image {img_id!r}: expected {what} '
                                 f'{fmt}, got {record!r}'[:300])


class BaseWeakSegDataset(BaseSegDataset):
    """A segmentation dataset whose samples say what supervision they have.

    An mmseg :class:`~mmseg.datasets.BaseSegDataset` whose data infos carry
    ``supervision`` and ``domain`` beside mmseg's ``img_path``,
    ``label_map``, ``reduce_zero_label`` and ``seg_fields``, plus only the
    annotation keys that ``supervision`` allows
    (:mod:`mmlabeleff.structures.label_convention`):

    =================  =======================================================
    supervision        extra keys
    =================  =======================================================
    ``'full'``         ``seg_map_path``: the dense mask
    ``'tags'``         ``image_labels``: class ids present
    ``'boxes'``        ``instances``: ``bbox``, ``bbox_label``,
                       ``ignore_flag``
    ``'scribbles'``,   ``sparse_map_path``: ids, 254 unlabeled, 255 ignore
    ``'partial'``
    ``'points'``       ``sparse_map_path`` and, where exact coordinates are
                       known, ``points``: ``point`` ``[x, y]``,
                       ``point_label``
    ``'unlabeled'``    none
    =================  =======================================================

    Subclasses set :attr:`SUPPORTED_SUPERVISION` (what their annotations can
    give) and build infos with :meth:`new_data_info`. The default
    :meth:`load_data_list` serves the plain layout of an image folder, a
    label folder and an optional split file of image names without suffix,
    one per line (``data_prefix['sparse_map_path']`` for sparse labels).

    Datasets whose weak labels were simulated from their masks
    (``tools/dataset_converters/simulate_weak_labels.py``) set
    :attr:`WEAK_LABELS_FROM_ROOT` and read them from ``weak_root``, named as
    in :mod:`mmlabeleff.structures.weak_label_files`::

        tags.json                  {image_id: [class ids]}
        boxes.json                 {image_id: [{bbox, bbox_label,
                                                ignore_flag}]}
        <weak_label>/<image_id>.png   sparse maps
        <weak_label>.json          {image_id: [{"point": [x, y],
                                                "point_label": c}]}

    The points JSON format (:data:`~mmlabeleff.structures.weak_label_files.
    POINTS_FORMAT`) is the same for every dataset, converter and the
    simulator; :meth:`read_points_file` reads it.

    Args:
        supervision (str): One of :attr:`SUPPORTED_SUPERVISION`. Defaults
            to ``'full'``.
        domain (str): ``'source'`` or ``'target'``. Defaults to
            ``'source'``.
        weak_root (str, optional): Folder of simulated weak labels, absolute
            or relative to the working directory; only for datasets with
            :attr:`WEAK_LABELS_FROM_ROOT`, where every weak supervision
            needs it. Defaults to None.
        weak_label (str, optional): Sub-folder of ``weak_root`` holding the
            sparse maps (sparse supervision only), e.g. ``'scribbles_r050'``.
            Defaults to :attr:`DEFAULT_WEAK_LABELS` of the supervision.
        keep_seg_map_path (bool): Add ``seg_map_path`` to weak samples too,
            e.g. to score pseudo-labels on the training set. Defaults to
            False.
        seg_map_root (str, optional): Folder of dense maps that replace the
            dataset's masks, ``<seg_map_root>/<image file stem>.png`` (uint8
            class ids, 255 ignored): the pseudo masks of the image-tag
            pipeline, which a ``'full'`` recipe then trains on as they are.
            Defaults to None (the dataset's own masks).
        sparse_map_suffix (str): Suffix of sparse maps. Defaults to
            ``'.png'``.
        superpixel_root (str, optional): Folder of over-segmentations,
            ``<superpixel_root>/<image file stem>.png`` (16-bit segment ids,
            ``tools/dataset_converters/superpixels.py``), added to every
            sample as ``superpixel_path`` for SPML's low-level term.
            Defaults to None.
        **kwargs: Passed to :class:`mmseg.datasets.BaseSegDataset`. A
            relative ``ann_file`` is joined to ``data_root`` and normalised
            lexically (``os.path.normpath``), so that
            ``'../camvid_semi/1_8/labeled.txt'`` under a ``data_root`` that
            is a link (``data/camvid``) names ``data/camvid_semi``, the
            folder beside the link, as it reads in the config.

    Raises:
        ValueError: A supervision the dataset cannot give, a missing
            ``data_prefix`` folder it needs, or an unknown domain (the
            message names the dataset).
    """
    #: The supervision types this dataset's annotations can describe.
    SUPPORTED_SUPERVISION: Tuple[str, ...] = SUPERVISION_TYPES
    #: ``data_prefix`` key each supervision needs (checked at construction).
    REQUIRED_DATA_PREFIX: Dict[str, str] = dict(
        full='seg_map_path',
        scribbles='sparse_map_path',
        points='sparse_map_path',
        partial='sparse_map_path')
    #: Whether weak labels come from ``weak_root`` (simulated weak labels).
    WEAK_LABELS_FROM_ROOT = False
    #: Whether ``ann_file`` lists ``"image_path label_path"`` pairs under
    #: ``data_root`` (CamVid, MSRC-21; :meth:`load_split_pairs`) instead of
    #: image names of the plain folder layout.
    SPLIT_PAIRS = False
    #: The sub-folder of ``weak_root`` read when ``weak_label`` is None.
    DEFAULT_WEAK_LABELS = DEFAULT_WEAK_LABELS
    #: What the dense masks are called in messages.
    SEG_MAP_NAME = 'segmentation mask'
    #: The tool that writes the dense masks, named when one is missing.
    CONVERTER = ''
    #: Appended to the message of a missing image folder.
    DATA_HINT = ''

    def __init__(self,
                 supervision: str = 'full',
                 domain: str = 'source',
                 weak_root: Optional[str] = None,
                 weak_label: Optional[str] = None,
                 keep_seg_map_path: bool = False,
                 sparse_map_suffix: str = '.png',
                 seg_map_root: Optional[str] = None,
                 superpixel_root: Optional[str] = None,
                 **kwargs) -> None:
        self.check_supervision(supervision, kwargs.get('data_prefix'))
        self.check_domain(domain)
        self._check_weak_root(supervision, weak_root, weak_label)
        self.supervision = supervision
        self.domain = domain
        self.weak_root = weak_root
        self.weak_label = weak_label or self.DEFAULT_WEAK_LABELS.get(
            supervision)
        self.keep_seg_map_path = keep_seg_map_path
        self.sparse_map_suffix = sparse_map_suffix
        self.seg_map_root = seg_map_root
        self.superpixel_root = superpixel_root
        super().__init__(**kwargs)

    def _join_prefix(self) -> None:
        """mmengine's joining of ``data_root``, then ``ann_file``
        normalised lexically (see the class docstring)."""
        super()._join_prefix()
        if self.ann_file and '://' not in self.ann_file:
            self.ann_file = osp.normpath(self.ann_file)

    # ------------------------------------------------------------------
    # checks of the arguments
    @classmethod
    def check_supervision(cls, supervision: str,
                          data_prefix: Optional[dict] = None) -> None:
        """Raise a clear error for a supervision the dataset cannot give.

        Args:
            supervision (str): The requested supervision.
            data_prefix (dict, optional): The ``data_prefix`` argument; its
                :attr:`REQUIRED_DATA_PREFIX` key must be set. None means
                mmseg's default (no folder set).

        Raises:
            ValueError: Naming the dataset, the supervision and what is
                missing.
        """
        name = cls.__name__
        if supervision not in SUPERVISION_TYPES:
            raise ValueError(f'{name}: supervision={supervision!r} is not one '
                             f'of {SUPERVISION_TYPES}')
        if supervision not in cls.SUPPORTED_SUPERVISION:
            raise ValueError(
                f'{name}: cannot provide supervision={supervision!r}; its '
                f'annotations give {tuple(cls.SUPPORTED_SUPERVISION)}')
        key = cls.REQUIRED_DATA_PREFIX.get(supervision)
        if key and not (data_prefix or {}).get(key):
            what = ('a folder of label PNGs' if key == 'seg_map_path' else
                    'a folder of sparse label PNGs, e.g. written by a '
                    'weak-label converter')
            raise ValueError(f'{name}: supervision={supervision!r} needs '
                             f"data_prefix[{key!r}] ({what})")

    @classmethod
    def check_domain(cls, domain: str) -> None:
        """Raise :class:`ValueError` if ``domain`` is not one of
        :data:`~mmlabeleff.structures.DOMAINS`."""
        if domain not in DOMAINS:
            raise ValueError(f'{cls.__name__}: domain={domain!r} is not one '
                             f'of {DOMAINS}')

    def _check_weak_root(self, supervision: str, weak_root: Optional[str],
                         weak_label: Optional[str]) -> None:
        name = type(self).__name__
        if not self.WEAK_LABELS_FROM_ROOT:
            if weak_root or weak_label:
                raise ValueError(
                    f'{name} reads weak labels from its own annotations; '
                    'weak_root / weak_label are not used (set data_prefix)')
            return
        if supervision not in ('full', 'unlabeled') and not weak_root:
            raise ValueError(
                f'{name}: supervision={supervision!r} needs weak_root, a '
                'folder written by tools/dataset_converters/'
                'simulate_weak_labels.py')
        if weak_label and supervision not in SPARSE_SUPERVISION_TYPES:
            raise ValueError(
                f'{name}: weak_label={weak_label!r} is only used with '
                f'supervision in {SPARSE_SUPERVISION_TYPES}, not '
                f'{supervision!r}')

    # ------------------------------------------------------------------
    # files and errors
    def require(self, path: str, what: str, hint: str = '') -> None:
        """:func:`require_file` with the dataset and supervision named."""
        require_file(path, what, f'{hint} ({type(self).__name__}, '
                     f'supervision={self.supervision!r})', self.backend_args)

    def under_data_root(self, path: Optional[str]) -> Optional[str]:
        """Join ``path`` to ``data_root`` unless it is absolute or a URL."""
        if not path or not self.data_root:
            return path
        if osp.isabs(path) or '://' in path:
            return path
        return osp.join(self.data_root, path)

    def split_lines(self,
                    ann_file: Optional[str] = None) -> List[Tuple[int, list]]:
        """The non-blank lines of a split file, split at whitespace.

        Lines that start with ``#`` are comments.

        Args:
            ann_file (str, optional): Defaults to ``self.ann_file``.

        Returns:
            list[tuple[int, list[str]]]: ``(line_number, tokens)`` pairs.

        Raises:
            FileNotFoundError: If the file is missing.
            ValueError: If it cannot be decoded or lists nothing.
        """
        ann_file = ann_file or self.ann_file
        if not ann_file:
            raise ValueError(f'{type(self).__name__}: ann_file (a split file '
                             'of images) is required')
        self.require(ann_file, 'split file')
        try:
            text = fileio.get_text(ann_file, backend_args=self.backend_args)
        except UnicodeDecodeError as e:
            raise ValueError(f'{ann_file}: split file is not UTF-8 text '
                             f'({e})') from e
        lines = []
        for line_no, line in enumerate(text.splitlines(), start=1):
            line = line.strip()
            if line and not line.startswith('#'):
                lines.append((line_no, line.split()))
        if not lines:
            raise ValueError(f'{ann_file}: split file lists no images')
        return lines

    def read_split(self, ann_file: Optional[str] = None,
                   pairs: bool = False) -> List[Union[str, Tuple[str, str]]]:
        """Entries of a split file: one image id, or one ``"image label"``
        pair, per line.

        Args:
            ann_file (str, optional): Defaults to ``self.ann_file``.
            pairs (bool): Lines are ``"image_path label_path"`` pairs
                instead of single ids. Defaults to False.

        Returns:
            list: Ids (str), or ``(image, label)`` tuples, in file order.

        Raises:
            FileNotFoundError: If the file is missing.
            ValueError: Naming the file and line of a malformed line or a
                repeated entry, or the file if it lists nothing.
        """
        ann_file = ann_file or self.ann_file
        entries, seen = [], set()
        for line_no, tokens in self.split_lines(ann_file):
            if len(tokens) != (2 if pairs else 1):
                expected = ('"image_path label_path"'
                            if pairs else 'one image id per line')
                raise ValueError(f'{ann_file}:{line_no}: expected {expected}, '
                                 f'got {" ".join(tokens)!r}')
            if tokens[0] in seen:
                raise ValueError(f'{ann_file}:{line_no}: image id '
                                 f'{tokens[0]!r} listed twice')
            seen.add(tokens[0])
            entries.append(tuple(tokens) if pairs else tokens[0])
        return entries

    # ------------------------------------------------------------------
    # data infos
    def map_label(self, label: int) -> Optional[int]:
        """Apply ``label_map``; None for a class the metainfo dropped."""
        if self.label_map:
            label = self.label_map.get(label, label)
        return None if label == IGNORE_INDEX else int(label)

    def seg_label_map(self) -> Optional[dict]:
        """The ``label_map`` that ``LoadAnnotations`` applies to the dense
        masks (mmseg's class-subset map unless a subclass adds to it)."""
        return self.label_map

    def new_data_info(self, img_path: str,
                      seg_map_path: Optional[str] = None) -> dict:
        """The keys every sample has, and ``seg_map_path`` where allowed.

        ``seg_map_path`` is added (and must exist) for ``'full'``, or for
        any supervision with ``keep_seg_map_path``; with ``seg_map_root`` it
        is ``<seg_map_root>/<stem of img_path>.png`` instead.

        Args:
            img_path (str): The image.
            seg_map_path (str, optional): The dense mask.

        Returns:
            dict: ``img_path``, ``label_map``, ``reduce_zero_label``,
            ``seg_fields``, ``supervision``, ``domain`` and maybe
            ``seg_map_path`` and ``superpixel_path``.
        """
        info = dict(
            img_path=img_path,
            label_map=self.seg_label_map(),
            reduce_zero_label=self.reduce_zero_label,
            seg_fields=[],
            supervision=self.supervision,
            domain=self.domain)
        if self.seg_map_root:
            stem = osp.splitext(osp.basename(img_path))[0]
            seg_map_path = osp.join(self.seg_map_root, stem + '.png')
        if seg_map_path and (self.supervision == 'full'
                             or self.keep_seg_map_path):
            hint = (f' (write them with {self.CONVERTER})'
                    if self.CONVERTER else '')
            if self.seg_map_root:
                hint = ' (a pseudo mask under seg_map_root)'
            self.require(seg_map_path, self.SEG_MAP_NAME, hint)
            info['seg_map_path'] = seg_map_path
        if self.superpixel_root:
            stem = osp.splitext(osp.basename(img_path))[0]
            path = osp.join(self.superpixel_root, stem + '.png')
            self.require(path, 'superpixel map',
                         ' (write them with tools/dataset_converters/'
                         'superpixels.py)')
            info['superpixel_path'] = path
        return info

    def add_sparse_map(self, info: dict, path: str) -> None:
        """Check that a sparse map exists and add it as ``sparse_map_path``."""
        self.require(path, f'{self.supervision} sparse map')
        info['sparse_map_path'] = path

    def load_data_list(self) -> List[dict]:
        """Images of a folder (or of a split file), with their labels.

        The default for the plain layout: ``data_prefix['img_path']`` holds
        ``<name><img_suffix>`` images (scanned recursively, or listed by
        ``ann_file``, one name without suffix per line), the dense masks
        are ``data_prefix['seg_map_path']/<name><seg_map_suffix>``; sparse
        maps are ``data_prefix['sparse_map_path']/<name><sparse_map_suffix>``
        or, with :attr:`WEAK_LABELS_FROM_ROOT`, every weak label comes from
        ``weak_root`` with ``<name>`` as the image id. Datasets with
        :attr:`SPLIT_PAIRS` read :meth:`load_split_pairs` instead.

        Returns:
            list[dict]: mmengine data infos (see the class docstring).

        Raises:
            FileNotFoundError: Naming a missing folder, split file, image or
                label.
            ValueError: Naming a malformed split file or weak-label file, or
                for tags or boxes without ``weak_root``.
        """
        if self.SPLIT_PAIRS:
            return self.load_split_pairs()
        name = type(self).__name__
        from_root = self.WEAK_LABELS_FROM_ROOT
        if self.supervision in ('tags', 'boxes') and not from_root:
            raise ValueError(f'{name}: the plain folder layout has no '
                             f'{self.supervision}')
        img_dir = self.data_prefix.get('img_path', '')
        if self.ann_file:
            names = self.read_split()
        else:
            if not fileio.isdir(img_dir, backend_args=self.backend_args):
                raise FileNotFoundError(
                    f'{img_dir}: {name} image folder not found'
                    f'{self.DATA_HINT}')
            names = sorted(
                rel[:-len(self.img_suffix)] for rel in fileio.list_dir_or_file(
                    img_dir, list_dir=False, suffix=self.img_suffix,
                    recursive=True, backend_args=self.backend_args))
            if not names:
                raise FileNotFoundError(
                    f'{img_dir}: no *{self.img_suffix} images found')
        seg_dir = self.data_prefix.get('seg_map_path', '')
        sparse_dir = self.data_prefix.get('sparse_map_path', '')
        json_path, table = self.load_weak_table()
        data_list = []
        for stem in names:
            img_path = osp.join(img_dir, stem + self.img_suffix)
            if self.ann_file:
                self.require(img_path, f'image of {self.ann_file}')
            info = self.new_data_info(
                img_path, osp.join(seg_dir, stem + self.seg_map_suffix))
            if from_root:
                self.add_weak_labels(info, stem, json_path, table)
            elif self.supervision in SPARSE_SUPERVISION_TYPES:
                self.add_sparse_map(
                    info,
                    osp.join(sparse_dir, stem + self.sparse_map_suffix))
            data_list.append(info)
        return data_list

    def load_split_pairs(self) -> List[dict]:
        """Data infos of a split file of ``"image_path label_path"`` pairs.

        The layout of CamVid and MSRC-21 (``splits/<split>.txt`` under
        ``data_root``, paths relative to it): every line gives an image and
        its dense mask; the image id of the weak-label files under
        ``weak_root`` is the image's file stem.

        Returns:
            list[dict]: mmengine data infos (see the class docstring).

        Raises:
            FileNotFoundError: Naming a missing split file, mask, weak-label
                JSON or sparse map.
            ValueError: Naming a malformed split or weak-label file, or for
                a ``metainfo`` class subset with weak supervision (weak
                labels are stored in the dataset's own class ids).
        """
        if self.supervision not in ('full', 'unlabeled') and self.label_map:
            raise ValueError(
                f'{type(self).__name__}: a metainfo with other classes '
                f'(label_map {self.label_map}) cannot be used with '
                f'supervision={self.supervision!r}; weak labels are stored in '
                f"the dataset's own {len(self.METAINFO['classes'])} class ids")
        json_path, table = self.load_weak_table()
        data_list = []
        for img_rel, seg_rel in self.read_split(pairs=True):
            img_path = osp.join(self.data_root, img_rel)
            info = self.new_data_info(img_path,
                                      osp.join(self.data_root, seg_rel))
            img_id = osp.splitext(osp.basename(img_path))[0]
            self.add_weak_labels(info, img_id, json_path, table)
            data_list.append(info)
        return data_list

    # ------------------------------------------------------------------
    # weak-label JSON files
    @staticmethod
    def read_weak_table(path: str, what: str, fmt: str,
                        backend_args: Optional[dict] = None) -> Dict[str,
                                                                     list]:
        """Read a ``{image_id: [...]}`` JSON file.

        Raises:
            FileNotFoundError: If the file is missing.
            ValueError: Naming the file if it is not JSON, not an object of
                lists.
        """
        table = read_json(path, what, backend_args)
        if not isinstance(table, dict):
            raise ValueError(f'{path}: expected a JSON object {fmt}, got '
                             f'{type(table).__name__}')
        for img_id, entries in table.items():
            if not isinstance(entries, list):
                raise ValueError(f'{path}: image {img_id!r}: expected a list '
                                 f'({fmt}), got {entries!r}'[:300])
        return table

    @classmethod
    def read_tags_file(cls, path: str,
                       backend_args: Optional[dict] = None) -> Dict[str, list]:
        """Read a tags JSON :data:`~mmlabeleff.structures.weak_label_files.
        TAGS_FORMAT`; errors name the file and image."""
        table = cls.read_weak_table(path, 'tags file', TAGS_FORMAT,
                                    backend_args)
        for img_id, tags in table.items():
            if not all(_is_int(t) for t in tags):
                raise ValueError(f'{path}: image {img_id!r}: expected class '
                                 f'ids ({TAGS_FORMAT}), got {tags!r}'[:300])
        return table

    @classmethod
    def read_boxes_file(cls, path: str,
                        backend_args: Optional[dict] = None) -> Dict[str,
                                                                     list]:
        """Read a boxes JSON :data:`~mmlabeleff.structures.weak_label_files.
        BOXES_FORMAT`; errors name the file and image."""
        table = cls.read_weak_table(path, 'boxes file', BOXES_FORMAT,
                                    backend_args)
        _check_records(table, path, 'boxes', BOXES_FORMAT, 'bbox', 4,
                       'bbox_label')
        return table

    @classmethod
    def read_points_file(cls, path: str,
                         backend_args: Optional[dict] = None) -> Dict[str,
                                                                      list]:
        """Read a points JSON :data:`~mmlabeleff.structures.weak_label_files.
        POINTS_FORMAT`, the one format of every dataset, converter and the
        simulator; errors name the file and image."""
        table = cls.read_weak_table(path, 'points file', POINTS_FORMAT,
                                    backend_args)
        _check_records(table, path, 'points', POINTS_FORMAT, 'point', 2,
                       'point_label')
        return table

    @staticmethod
    def weak_entry(table: Dict[str, list], path: str, img_id: str,
                   what: str = 'entry') -> list:
        """``table[img_id]``, or a :class:`ValueError` naming the file."""
        if img_id not in table:
            raise ValueError(f'{path}: no {what} for image {img_id!r}')
        return table[img_id]

    def points_of(self, table: Dict[str, list], path: str,
                  img_id: str) -> List[dict]:
        """The points of one image, through ``label_map`` (points of classes
        the metainfo dropped are dropped)."""
        points = []
        for entry in self.weak_entry(table, path, img_id, 'points'):
            label = self.map_label(int(entry['point_label']))
            if label is not None:
                points.append(dict(point=list(entry['point']),
                                   point_label=label))
        return points

    # ------------------------------------------------------------------
    # simulated weak labels under weak_root
    def weak_file(self, filename: str) -> str:
        """Path of a file of ``weak_root``."""
        return osp.join(self.weak_root, filename)

    def load_weak_table(self) -> Tuple[Optional[str], Optional[dict]]:
        """Read the ``weak_root`` JSON file the supervision needs.

        Returns:
            tuple: ``(path, table)`` of ``tags.json``, ``boxes.json`` or
            ``<weak_label>.json``; ``(None, None)`` for other supervisions.
        """
        readers = dict(
            tags=(TAGS_FILE, self.read_tags_file),
            boxes=(BOXES_FILE, self.read_boxes_file),
            points=(points_file_name(self.weak_label or ''),
                    self.read_points_file))
        if not self.weak_root or self.supervision not in readers:
            return None, None
        filename, reader = readers[self.supervision]
        path = self.weak_file(filename)
        self.require(path, 'weak-label file')
        return path, reader(path, self.backend_args)

    def add_weak_labels(self, info: dict, img_id: str,
                        path: Optional[str], table: Optional[dict]) -> None:
        """Add the keys of the supervision from ``weak_root``.

        Args:
            info (dict): A data info (changed in place).
            img_id (str): The image id of the weak-label files.
            path (str, optional): The JSON file of :meth:`load_weak_table`.
            table (dict, optional): Its contents.
        """
        supervision = self.supervision
        if supervision == 'tags':
            info['image_labels'] = [
                int(t) for t in self.weak_entry(table, path, img_id, 'tags')
            ]
        elif supervision == 'boxes':
            info['instances'] = self.weak_entry(table, path, img_id, 'boxes')
        elif supervision in SPARSE_SUPERVISION_TYPES:
            self.add_sparse_map(
                info, sparse_map_file(self.weak_root, self.weak_label, img_id))
            if supervision == 'points':
                info['points'] = self.points_of(table, path, img_id)

