"""TextureScenes: a small segmentation dataset generated offline.

Each scene is a crop of a background texture with a few random shapes
(rotated ellipses, rectangles and star-shaped polygons) pasted on top, each
filled with a crop of one of four other textures. Crops are taken at a random
scale, rotation and brightness; grey textures get a class tint of random
strength (from none to full), so colour helps but texture is needed. The
label map is the exact rasterised shape mask (no anti-aliasing): every pixel
of the image was copied from the texture its label names.

Texture photographs: all five ship inside the scikit-image wheel
(``skimage/data``, read from disk here without importing ``skimage.data`` so
that nothing can trigger its ``pooch`` downloader). scikit-image's own code is
BSD-3-Clause; the licence of each image as stated in the docstrings of
``skimage.data`` (``skimage/data/_fetchers.py``):

- ``background``: ``hubble_deep_field.jpg``, the Hubble eXtreme Deep Field,
  captured by NASA; "may be freely used in the public domain"
  (http://hubblesite.org/newscenter/archive/releases/2012/37/image/a/).
- ``brick``: ``brick.png``, CC0Textures "Bricks25", Creative Commons CC0
  (https://cc0textures.com/view.php?tex=Bricks25).
- ``grass``: ``grass.png``, "Grass 01" by linolafett on DeviantArt, Creative
  Commons CC0 (https://www.deviantart.com/linolafett/art/Grass-01-434853879).
- ``gravel``: ``gravel.png``, CC0Textures "Gravel04", Creative Commons CC0
  (https://cc0textures.com/view.php?tex=Gravel04).
- ``tissue``: ``ihc.png``, immunohistochemical (IHC) staining of colonic
  glands, Center for Microscopy And Molecular Imaging (CMMI); "No known
  copyright restrictions".

Output layout (as mmseg datasets expect)::

    out_dir/
      img_dir/{train,val}/00000.png   RGB uint8
      ann_dir/{train,val}/00000.png   uint8 class index (0..4) per pixel
      meta.json                       classes, palette, sources, parameters,
                                      counts, content hash

Determinism: scene ``i`` of a split is drawn from
``numpy.random.default_rng([seed, split_code, i])``, so the same parameters
give byte-identical files (PNG written by Pillow with fixed settings and no
timestamps), and scene ``i`` does not depend on the number of scenes.
"""
import hashlib
import importlib.util
import io
import json
import logging
import math
import os
import shutil
import uuid
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

__all__ = [
    'CLASSES', 'PALETTE', 'TEXTURE_SOURCES', 'load_textures',
    'render_scene', 'make_texture_scenes'
]

logger = logging.getLogger(__name__)

#: Bump when the drawing procedure changes, so cached datasets are rebuilt.
GENERATOR_VERSION = 1
GENERATOR_NAME = 'mmlabeleff.datasets.generators.texture_scenes'
#: Earlier names of this generator in ``meta.json`` (same output).
_FORMER_GENERATOR_NAMES = ('mmlabeleff.testing.texture_scenes', )

CLASSES = ('background', 'brick', 'grass', 'gravel', 'tissue')
PALETTE = ([0, 0, 0], [200, 80, 50], [70, 170, 60], [140, 140, 200],
           [200, 110, 190])

#: One entry per class, in class order (see the module docstring).
TEXTURE_SOURCES = (
    dict(
        name='background',
        file='hubble_deep_field.jpg',
        skimage_function='skimage.data.hubble_deep_field',
        description='Hubble eXtreme Deep Field (NASA)',
        origin='http://hubblesite.org/newscenter/archive/releases/2012/37/'
        'image/a/',
        license='public domain (NASA; "may be freely used in the public '
        'domain")'),
    dict(
        name='brick',
        file='brick.png',
        skimage_function='skimage.data.brick',
        description='Brick wall, CC0Textures Bricks25',
        origin='https://cc0textures.com/view.php?tex=Bricks25',
        license='CC0'),
    dict(
        name='grass',
        file='grass.png',
        skimage_function='skimage.data.grass',
        description='Grass 01 by linolafett (DeviantArt)',
        origin='https://www.deviantart.com/linolafett/art/Grass-01-434853879',
        license='CC0'),
    dict(
        name='gravel',
        file='gravel.png',
        skimage_function='skimage.data.gravel',
        description='Gravel, CC0Textures Gravel04',
        origin='https://cc0textures.com/view.php?tex=Gravel04',
        license='CC0'),
    dict(
        name='tissue',
        file='ihc.png',
        skimage_function='skimage.data.immunohistochemistry',
        description='Immunohistochemical staining of colonic glands (CMMI)',
        origin='Center for Microscopy And Molecular Imaging (CMMI)',
        license='no known copyright restrictions'),
)

# Tint of each grey texture (RGB gains at full strength); None: colour image.
_TINTS = (None, (1.25, 0.88, 0.72), (0.85, 1.15, 0.78), (0.9, 0.95, 1.2), None)

MIN_SIZE = 16
MAX_SIZE = 512
_SPLITS = ('train', 'val')
_SPLIT_CODES = dict(train=0, val=1)
_TEXTURE_MARGIN = 2  # pixels kept clear of a texture's border when sampling
# Texture pixels per scene pixel, log-uniform in [0.7, 2.5].
_LOG_ZOOM = (math.log(0.7), math.log(2.5))


def _skimage_data_dir():
    """Folder of the images shipped in the scikit-image wheel.

    Found with :func:`importlib.util.find_spec`, which does not import
    ``skimage`` (and so cannot start a download).
    """
    spec = importlib.util.find_spec('skimage')
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            'TextureScenes needs the texture photographs that ship inside '
            'the scikit-image wheel; install it with `pip install '
            'scikit-image`.')
    return Path(list(spec.submodule_search_locations)[0]) / 'data'


def load_textures(data_dir=None):
    """Load the five texture photographs, in class order.

    Args:
        data_dir (str | Path, optional): Folder holding the image files.
            Defaults to the ``data`` folder of the installed scikit-image.

    Returns:
        tuple[list[PIL.Image.Image], list[str]]: The images (mode ``L`` for
        grey textures, ``RGB`` otherwise) and the SHA-256 of each file.
    """
    data_dir = Path(data_dir) if data_dir is not None else _skimage_data_dir()
    images, digests = [], []
    for src in TEXTURE_SOURCES:
        path = data_dir / src['file']
        if not path.is_file():
            raise FileNotFoundError(
                f'texture {src["file"]!r} ({src["skimage_function"]}) not '
                f'found in {data_dir}; it ships inside the scikit-image '
                'wheel, so reinstall scikit-image.')
        raw = path.read_bytes()
        digests.append(hashlib.sha256(raw).hexdigest())
        with Image.open(io.BytesIO(raw)) as im:
            mode = 'RGB' if _TINTS[len(images)] is None else 'L'
            images.append(im.convert(mode))
    return images, digests


def _check_size(size):
    """Normalise ``size`` to ``(H, W)`` and validate it."""
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        size = (int(size), int(size))
    try:
        h, w = (int(s) for s in size)
        ok = all(isinstance(s, (int, np.integer)) and not isinstance(s, bool)
                 for s in size)
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(
            f'size must be an int or a pair of ints (H, W), got {size!r}')
    if not (MIN_SIZE <= h <= MAX_SIZE and MIN_SIZE <= w <= MAX_SIZE):
        raise ValueError(f'size must be between {MIN_SIZE} and {MAX_SIZE} '
                         f'pixels per side, got (H, W) = ({h}, {w})')
    return h, w


def _check_count(name, value):
    if (not isinstance(value, (int, np.integer)) or isinstance(value, bool)
            or value <= 0):
        raise ValueError(f'{name} must be a positive int, got {value!r}')
    return int(value)


def _sample_texture(rng, texture, size):
    """Warp a random rotated, scaled window of ``texture`` onto ``size``."""
    h, w = size
    tw, th = texture.size
    half_diag = 0.5 * math.hypot(h, w)
    # Texture pixels per output pixel; capped so the window stays inside.
    max_zoom = (0.5 * min(tw, th) - _TEXTURE_MARGIN) / half_diag
    zoom = min(math.exp(float(rng.uniform(_LOG_ZOOM[0], _LOG_ZOOM[1]))),
               max_zoom)
    angle = float(rng.uniform(0.0, 2.0 * math.pi))
    radius = zoom * half_diag + _TEXTURE_MARGIN
    cx = float(rng.uniform(radius, tw - radius))
    cy = float(rng.uniform(radius, th - radius))
    cos, sin = zoom * math.cos(angle), zoom * math.sin(angle)
    ox, oy = 0.5 * w, 0.5 * h
    # Output (x, y) -> input (a x + b y + c, d x + e y + f).
    coeffs = (cos, -sin, cx - cos * ox + sin * oy, sin, cos,
              cy - sin * ox - cos * oy)
    return texture.transform((w, h), Image.AFFINE, coeffs, Image.BILINEAR)


def _texture_layer(rng, texture, cls, size):
    """A full-canvas RGB crop of the texture of class ``cls``, jittered."""
    patch = np.asarray(_sample_texture(rng, texture, size), dtype=np.float32)
    gain = float(rng.uniform(0.75, 1.25))
    tint = _TINTS[cls]
    if tint is None:
        rgb_gain = gain * rng.uniform(0.92, 1.08, size=3)
        out = patch * rgb_gain.astype(np.float32)
    else:
        strength = float(rng.uniform(0.0, 1.0))
        rgb_gain = gain * (1.0 + strength * (np.asarray(tint) - 1.0))
        out = patch[..., None] * rgb_gain.astype(np.float32)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _shape_mask(rng, size):
    """Rasterise one random shape; returns a bool mask of ``size``."""
    h, w = size
    r = float(rng.uniform(0.12, 0.32)) * min(h, w)
    cx = float(rng.uniform(0.1, 0.9)) * w
    cy = float(rng.uniform(0.1, 0.9)) * h
    angle = float(rng.uniform(0.0, math.pi))
    kind = int(rng.integers(3))
    if kind == 0:  # ellipse
        t = np.linspace(0.0, 2.0 * math.pi, 48, endpoint=False)
        px = r * float(rng.uniform(0.6, 1.0)) * np.cos(t)
        py = r * float(rng.uniform(0.4, 1.0)) * np.sin(t)
    elif kind == 1:  # rectangle
        a = r * float(rng.uniform(0.5, 1.0))
        b = r * float(rng.uniform(0.3, 1.0))
        px, py = np.array([-a, a, a, -a]), np.array([-b, -b, b, b])
    else:  # star-shaped polygon
        k = int(rng.integers(5, 10))
        t = np.sort(rng.uniform(0.0, 2.0 * math.pi, size=k))
        rad = r * rng.uniform(0.5, 1.0, size=k)
        px, py = rad * np.cos(t), rad * np.sin(t)
    ca, sa = math.cos(angle), math.sin(angle)
    xs = cx + ca * px - sa * py
    ys = cy + sa * px + ca * py
    canvas = Image.new('L', (w, h), 0)
    ImageDraw.Draw(canvas).polygon(
        [(float(x), float(y)) for x, y in zip(xs, ys, strict=True)], fill=1)
    return np.asarray(canvas, dtype=bool)


def render_scene(rng, textures, size, return_layers=False):
    """Draw one scene and its exact label map.

    Args:
        rng (numpy.random.Generator): Source of all randomness.
        textures (list[PIL.Image.Image]): From :func:`load_textures`.
        size (tuple[int, int]): ``(H, W)``.
        return_layers (bool): Also return what was pasted, for checks.

    Returns:
        tuple: ``(image, label)``, an ``(H, W, 3)`` uint8 RGB image and an
        ``(H, W)`` uint8 class map; with ``return_layers``, a third item, a
        list of ``(class_id, mask, layer)`` in paste order, the first being
        the background (mask all True). ``image[m] == layer[m]`` and
        ``label[m] == class_id`` where ``m`` is ``mask`` minus the masks
        pasted after it.
    """
    h, w = size
    num_fg = len(CLASSES) - 1
    background = _texture_layer(rng, textures[0], 0, size)
    image = background.copy()
    label = np.zeros((h, w), dtype=np.uint8)
    owner = np.full((h, w), -1, dtype=np.int16)
    layers = [(0, np.ones((h, w), dtype=bool), background)]
    areas = []
    num_shapes = int(rng.integers(num_fg, num_fg + 4))
    # Every foreground class once, then random extras.
    classes = list(rng.permutation(num_fg) + 1)
    classes += list(rng.integers(1, num_fg + 1, size=num_shapes - num_fg))
    min_area = max(12, int(0.01 * h * w))
    for cls in classes:
        for _ in range(20):
            mask = _shape_mask(rng, size)
            area = int(mask.sum())
            if area < min_area:
                continue
            # Keep at least half of every earlier shape visible.
            if all(
                    int(np.count_nonzero((owner == j) & ~mask)) >= 0.5 * a
                    for j, a in enumerate(areas)):
                break
        else:
            continue
        layer = _texture_layer(rng, textures[cls], int(cls), size)
        image[mask] = layer[mask]
        label[mask] = cls
        owner[mask] = len(areas)
        areas.append(area)
        layers.append((int(cls), mask, layer))
    if return_layers:
        return image, label, layers
    return image, label


def _png_bytes(array):
    """Encode deterministically (fixed settings, no time chunk)."""
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format='PNG', compress_level=6)
    return buf.getvalue()


def _content_hash(file_digests):
    """Hash of ``{relative path: sha256 of bytes}``, order independent."""
    h = hashlib.sha256()
    for rel in sorted(file_digests):
        h.update(rel.encode() + b'\0' + file_digests[rel].encode() + b'\n')
    return h.hexdigest()


def _hash_tree(root):
    """Content hash of the ``img_dir``/``ann_dir`` files under ``root``."""
    digests = {}
    for sub in ('img_dir', 'ann_dir'):
        base = root / sub
        if not base.is_dir():
            return None
        for path in base.rglob('*'):
            if path.is_file():
                rel = path.relative_to(root).as_posix()
                digests[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return _content_hash(digests)


def _read_meta(out_dir):
    try:
        with open(out_dir / 'meta.json') as f:
            meta = json.load(f)
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


def _is_ours(meta):
    return meta.get('generator') in (GENERATOR_NAME,
                                     ) + _FORMER_GENERATOR_NAMES


def _is_current(out_dir, params, source_digests):
    """Whether ``out_dir`` holds exactly the dataset ``params`` describe."""
    meta = _read_meta(out_dir)
    if (meta is None or not _is_ours(meta)
            or meta.get('version') != GENERATOR_VERSION
            or meta.get('params') != params
            or [s.get('sha256') for s in meta.get('sources', [])]
            != source_digests):
        return None
    if _hash_tree(out_dir) != meta.get('content_sha256'):
        return None
    return meta


def _looks_generated(out_dir):
    """Empty, or a (possibly stale) dataset of this generator."""
    meta = _read_meta(out_dir)
    if meta is not None and _is_ours(meta):
        return True
    return {p.name for p in out_dir.iterdir()} <= {'img_dir', 'ann_dir'}


def _build(tmp, params, textures, source_digests):
    """Write every file of the dataset under ``tmp``; returns the meta."""
    h, w = params['size']
    digests, counts, pixels = {}, {}, {}
    for split in _SPLITS:
        num = params[f'num_{split}']
        img_dir, ann_dir = tmp / 'img_dir' / split, tmp / 'ann_dir' / split
        img_dir.mkdir(parents=True)
        ann_dir.mkdir(parents=True)
        hist = np.zeros(len(CLASSES), dtype=np.int64)
        for i in range(num):
            rng = np.random.default_rng(
                [params['seed'], _SPLIT_CODES[split], i])
            image, label = render_scene(rng, textures, (h, w))
            hist += np.bincount(label.ravel(), minlength=len(CLASSES))
            name = f'{i:05d}.png'
            for sub, arr in (('img_dir', image), ('ann_dir', label)):
                data = _png_bytes(arr)
                (tmp / sub / split / name).write_bytes(data)
                digests[f'{sub}/{split}/{name}'] = hashlib.sha256(
                    data).hexdigest()
        counts[split] = num
        pixels[split] = [round(float(v), 6) for v in hist / hist.sum()]
    meta = dict(
        generator=GENERATOR_NAME,
        version=GENERATOR_VERSION,
        params=params,
        classes=list(CLASSES),
        palette=[list(p) for p in PALETTE],
        sources=[
            dict(src, class_id=i, sha256=d)
            for i, (src, d) in enumerate(
                zip(TEXTURE_SOURCES, source_digests, strict=True))
        ],
        counts=counts,
        class_pixel_fraction=pixels,
        content_sha256=_content_hash(digests))
    with open(tmp / 'meta.json', 'w') as f:
        json.dump(meta, f, indent=2, sort_keys=True)
        f.write('\n')
    return meta


def make_texture_scenes(out_dir,
                        num_train=200,
                        num_val=50,
                        size=(128, 128),
                        seed=0,
                        force=False,
                        data_dir=None):
    """Generate the TextureScenes dataset into ``out_dir`` (no download).

    Idempotent: when ``out_dir`` already holds the dataset for the same
    parameters and texture files (``meta.json`` matches and the files hash to
    its ``content_sha256``), nothing is written unless ``force``. A stale
    dataset of this generator (other parameters, edited files) is replaced.
    Atomic: everything is written into a hidden temporary sibling folder that
    is renamed to ``out_dir`` at the end; on an exception it is removed, so
    ``out_dir`` never holds a half-written dataset.

    Args:
        out_dir (str | Path): Dataset root to create.
        num_train (int): Number of training scenes. Defaults to 200.
        num_val (int): Number of validation scenes. Defaults to 50.
        size (int | tuple[int, int]): Scene size ``(H, W)``, each side within
            [16, 512]. Defaults to ``(128, 128)``.
        seed (int): Non-negative seed. Defaults to 0.
        force (bool): Rebuild even when an up-to-date dataset is present.
        data_dir (str | Path, optional): Folder with the texture files;
            defaults to the installed scikit-image's ``data`` folder.

    Returns:
        dict: The contents of ``meta.json`` plus ``out_dir`` (str) and
        ``created`` (bool, False when the existing dataset was kept).

    Raises:
        ValueError: On bad arguments, when ``out_dir`` is a file, or when it
            is a non-empty folder that is not a TextureScenes dataset.
    """
    num_train = _check_count('num_train', num_train)
    num_val = _check_count('num_val', num_val)
    h, w = _check_size(size)
    if (not isinstance(seed, (int, np.integer)) or isinstance(seed, bool)
            or seed < 0):
        raise ValueError(f'seed must be a non-negative int, got {seed!r}')
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f'out_dir {str(out_dir)!r} exists and is not a folder')
    params = dict(num_train=num_train, num_val=num_val, size=[h, w],
                  seed=int(seed))
    textures, source_digests = load_textures(data_dir)

    if out_dir.is_dir():
        if not force:
            meta = _is_current(out_dir, params, source_digests)
            if meta is not None:
                logger.info('TextureScenes at %s is up to date', out_dir)
                return dict(meta, out_dir=str(out_dir), created=False)
        if not _looks_generated(out_dir):
            raise ValueError(
                f'out_dir {str(out_dir)!r} is a non-empty folder that is not '
                'a TextureScenes dataset (no meta.json of this generator); '
                'refusing to replace it')

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.with_name(f'.{out_dir.name}.tmp-{uuid.uuid4().hex[:12]}')
    old = tmp.with_name(tmp.name + '-old')
    tmp.mkdir()
    try:
        meta = _build(tmp, params, textures, source_digests)
        if out_dir.is_dir():
            os.replace(out_dir, old)
            os.replace(tmp, out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            try:
                os.replace(tmp, out_dir)
            except OSError:
                # Another process finished the same dataset first: keep it.
                current = _is_current(out_dir, params, source_digests)
                if current is None:
                    raise
                return dict(current, out_dir=str(out_dir), created=False)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    logger.info('TextureScenes written to %s', out_dir)
    return dict(meta, out_dir=str(out_dir), created=True)
