"""WeakLabelSimulator on small synthetic masks."""
import numpy as np
import pytest
from scipy import ndimage

from mmlabeleff.structures import IGNORE_INDEX, UNLABELED_INDEX, WeakLabelSimulator
from mmlabeleff.structures.weak_label_simulator import _stable_hash

NUM_CLASSES = 5
RATIOS = (1.0, 0.8, 0.5, 0.3, 0.0)
EIGHT = np.ones((3, 3), dtype=bool)


@pytest.fixture(scope='module')
def mask():
    """40x60: background 0, two rectangles of class 1, a rectangle of class 2,
    a disc of class 3, a 3-px speck of class 4 and a void strip (cols 0-1)."""
    m = np.zeros((40, 60), dtype=np.uint8)
    m[5:20, 10:40] = 1
    m[25:38, 30:55] = 1
    m[25:38, 5:15] = 2
    yy, xx = np.mgrid[:40, :60]
    m[(yy - 30) ** 2 + (xx - 21) ** 2 < 25] = 3
    m[2, 50:53] = 4
    m[:, :2] = IGNORE_INDEX
    return m


def _objects(mask):
    """(class, bool map) of each 8-connected component, computed here."""
    out = []
    for cls in range(NUM_CLASSES):
        comp, num = ndimage.label(mask == cls, structure=EIGHT)
        out += [(cls, comp == i) for i in range(1, num + 1)]
    return out


def _check_sparse(sparse, mask):
    assert sparse.dtype == np.uint8 and sparse.shape == mask.shape
    void = mask == IGNORE_INDEX
    assert (sparse[void] == IGNORE_INDEX).all()
    assert not (sparse[~void] == IGNORE_INDEX).any()
    labeled = sparse < NUM_CLASSES
    assert (sparse[labeled] == mask[labeled]).all()
    assert set(np.unique(sparse)) <= set(range(NUM_CLASSES)) | {
        UNLABELED_INDEX, IGNORE_INDEX}


def test_stable_hash_is_fixed():
    # Not Python's salted hash(): the same in every process.
    assert _stable_hash('0016E5_00000') == _stable_hash('0016E5_00000')
    assert _stable_hash('a') == 3405396810240292928
    assert _stable_hash('a') != _stable_hash('b')


def test_objects(mask):
    objs = WeakLabelSimulator(NUM_CLASSES).objects(mask)
    assert objs['labels'].tolist() == [0, 1, 1, 2, 3, 4]
    assert objs['areas'].sum() == (mask != IGNORE_INDEX).sum()
    assert objs['areas'][-1] == 3
    four = WeakLabelSimulator(NUM_CLASSES, connectivity=4).objects(mask)
    assert len(four['labels']) >= len(objs['labels'])


def test_tags(mask):
    assert WeakLabelSimulator(NUM_CLASSES).tags(mask) == [0, 1, 2, 3, 4]
    assert WeakLabelSimulator(NUM_CLASSES, min_pixels=4).tags(mask) == [0, 1, 2, 3]
    assert WeakLabelSimulator(NUM_CLASSES).tags(
        np.full((3, 3), IGNORE_INDEX, np.uint8)) == []


def test_boxes_tightly_enclose_components(mask):
    sim = WeakLabelSimulator(NUM_CLASSES)
    boxes = sim.boxes(mask)
    expected = []
    for cls, region in _objects(mask):
        rows, cols = np.nonzero(region)
        expected.append(dict(bbox=[cols.min(), rows.min(), cols.max() + 1,
                                   rows.max() + 1],
                             bbox_label=cls, ignore_flag=0))
    assert boxes == expected
    # pixel-edge convention, spelled out for the first rectangle
    assert dict(bbox=[10, 5, 40, 20], bbox_label=1, ignore_flag=0) in boxes
    assert all(isinstance(v, int) for b in boxes for v in b['bbox'])
    # min_area drops the speck
    small = WeakLabelSimulator(NUM_CLASSES, min_area=4).boxes(mask)
    assert [b['bbox_label'] for b in small] == [0, 1, 1, 2, 3]
    per_class = sim.boxes(mask, mode='class')
    assert [b['bbox_label'] for b in per_class] == [0, 1, 2, 3, 4]
    assert per_class[1]['bbox'] == [10, 5, 55, 38]
    assert per_class[0]['bbox'] == [2, 0, 60, 40]  # void strip excluded
    with pytest.raises(ValueError, match='mode'):
        sim.boxes(mask, mode='instance')


def test_scribbles_inside_objects_and_lengths_nested(mask):
    sim = WeakLabelSimulator(NUM_CLASSES, min_area=4)
    maps = sim.scribbles(mask, RATIOS, key='img')
    assert len(maps) == len(RATIOS)
    for sparse in maps:
        _check_sparse(sparse, mask)
    counts = [(m < NUM_CLASSES).sum() for m in maps]
    assert counts == sorted(counts, reverse=True) and counts[-1] < counts[0]
    for longer, shorter in zip(maps, maps[1:]):
        inner = shorter < NUM_CLASSES
        assert (longer[inner] == shorter[inner]).all()  # nested sub-paths
    for cls, region in _objects(mask):
        full = (maps[0] < NUM_CLASSES) & region
        point = (maps[-1] < NUM_CLASSES) & region
        if region.sum() < 4:
            assert not full.any()  # min_area
            continue
        # one contiguous scribble per object, of the object's class
        assert ndimage.label(full, structure=EIGHT)[1] == 1
        assert (maps[0][full] == cls).all()
        assert point.sum() == 1  # r000: one labelled pixel per object
    # a single ratio gives a single map, equal to the list entry
    assert np.array_equal(sim.scribbles(mask, 0.5, key='img'), maps[2])


def test_scribble_width_stays_in_object(mask):
    thin = WeakLabelSimulator(NUM_CLASSES).scribbles(mask, key='img')
    assert WeakLabelSimulator(NUM_CLASSES).scribble_width == 1
    # width 1 is the 1-pixel line: a thin skeleton, no 2x2 block of labels
    labelled = (thin < NUM_CLASSES).astype(int)
    assert (labelled[:-1, :-1] + labelled[1:, :-1] + labelled[:-1, 1:]
            + labelled[1:, 1:]).max() < 4
    thick = WeakLabelSimulator(NUM_CLASSES, scribble_width=7).scribbles(
        mask, key='img')
    _check_sparse(thick, mask)
    assert (thick < NUM_CLASSES).sum() > (thin < NUM_CLASSES).sum()
    assert (thick[thin < NUM_CLASSES] == thin[thin < NUM_CLASSES]).all()
    for _, region in _objects(mask):
        assert ndimage.label((thick < NUM_CLASSES) & region,
                             structure=EIGHT)[1] == 1
    # a brush of width w is a disk of diameter w around the line
    width3 = WeakLabelSimulator(NUM_CLASSES, scribble_width=3).scribbles(
        mask, key='img')
    cross = ndimage.generate_binary_structure(2, 1)  # the disk of radius 1
    expected = np.zeros(mask.shape, dtype=bool)
    for _, region in _objects(mask):
        expected |= ndimage.binary_dilation(
            (thin < NUM_CLASSES) & region, structure=cross) & region
    np.testing.assert_array_equal(width3 < NUM_CLASSES, expected)
    points = WeakLabelSimulator(NUM_CLASSES, scribble_width=5).scribbles(
        mask, 0.0, key='img')
    for _, region in _objects(mask):
        assert ndimage.label((points < NUM_CLASSES) & region,
                             structure=EIGHT)[1] == 1
    for bad in (0, 2, 4, -1, 1.5):
        with pytest.raises(ValueError, match='scribble_width'):
            WeakLabelSimulator(NUM_CLASSES, scribble_width=bad)


def test_determinism_and_seeds(mask):
    first = WeakLabelSimulator(NUM_CLASSES, seed=3).scribbles(mask, 0.3, key='a')
    again = WeakLabelSimulator(NUM_CLASSES, seed=3).scribbles(mask, 0.3, key='a')
    assert np.array_equal(first, again)
    others = [WeakLabelSimulator(NUM_CLASSES, seed=s).scribbles(mask, 0.3, key='a')
              for s in (4, 5)]
    assert any(not np.array_equal(first, o) for o in others)
    other_key = WeakLabelSimulator(NUM_CLASSES, seed=3).scribbles(mask, 0.3, key='b')
    assert not np.array_equal(first, other_key)
    # order independence: labels of 'a' do not depend on calls before
    sim = WeakLabelSimulator(NUM_CLASSES, seed=3)
    sim.points(mask, key='b')
    sim.scribbles(mask, 0.8, key='b')
    assert np.array_equal(sim.scribbles(mask, 0.3, key='a'), first)
    p1 = WeakLabelSimulator(NUM_CLASSES, seed=3).points(mask, 2, key='a')
    p2 = WeakLabelSimulator(NUM_CLASSES, seed=3).points(mask, 2, key='a')
    assert p1[1] == p2[1] and np.array_equal(p1[0], p2[0])


def test_points_inside_interior(mask):
    sim = WeakLabelSimulator(NUM_CLASSES, min_area=4, interior_ratio=0.5)
    sparse, points = sim.points(mask, num_points=3, key='x')
    _check_sparse(sparse, mask)
    objects = [(c, r) for c, r in _objects(mask) if r.sum() >= 4]
    assert len(points) == 3 * len(objects)
    assert (sparse < NUM_CLASSES).sum() == len(points)
    for point in points:
        x, y = point['point']
        assert mask[y, x] == point['point_label'] == sparse[y, x]
    for cls, region in objects:
        inside = [p for p in points
                  if region[p['point'][1], p['point'][0]]]
        assert len(inside) == 3
        assert len({tuple(p['point']) for p in inside}) == 3
        if cls == 0:
            continue  # background touches the image border
        depth = ndimage.distance_transform_edt(np.pad(region, 1))[1:-1, 1:-1]
        for p in inside:
            assert depth[p['point'][1], p['point'][0]] >= 0.5 * depth.max()
    # dilation draws discs clipped to the object
    big, _ = WeakLabelSimulator(NUM_CLASSES, point_dilation=2).points(
        mask, key='x')
    _check_sparse(big, mask)
    assert (big < NUM_CLASSES).sum() > len(_objects(mask))
    with pytest.raises(ValueError, match='num_points'):
        sim.points(mask, num_points=0)


def test_partial_objects_and_pixels(mask):
    sim = WeakLabelSimulator(NUM_CLASSES)
    objects = _objects(mask)
    for fraction in (0.0, 0.5, 1.0):
        sparse = sim.partial(mask, fraction, key='p')
        _check_sparse(sparse, mask)
        labeled = sparse < NUM_CLASSES
        kept = [r for _, r in objects if labeled[r].any()]
        for region in kept:
            assert labeled[region].all()  # whole objects
        assert len(kept) in (np.floor(fraction * len(objects)),
                             np.ceil(fraction * len(objects)))
    valid = (mask != IGNORE_INDEX).sum()
    sparse = sim.partial(mask, 0.1, mode='pixels', key='p')
    _check_sparse(sparse, mask)
    assert (sparse < NUM_CLASSES).sum() in (np.floor(0.1 * valid),
                                           np.ceil(0.1 * valid))
    big = WeakLabelSimulator(NUM_CLASSES, min_area=4).partial(mask, 1.0, key='p')
    assert (big == 4).sum() == 0 and (big == 3).sum() == (mask == 3).sum()
    with pytest.raises(ValueError, match='fraction'):
        sim.partial(mask, 1.5)


def test_bad_masks_and_options(mask):
    sim = WeakLabelSimulator(3)
    with pytest.raises(ValueError, match=r'\[3, 4\]'):
        sim.tags(mask)
    with pytest.raises(ValueError, match='shape'):
        sim.boxes(np.zeros((2, 3, 4), np.uint8))
    with pytest.raises(ValueError, match='ignore_index'):
        WeakLabelSimulator(5, ignore_index=4)
    with pytest.raises(ValueError, match='length_ratio'):
        WeakLabelSimulator(NUM_CLASSES).scribbles(mask, 1.2)
    other_void = np.where(mask == IGNORE_INDEX, 9, mask)
    alt = WeakLabelSimulator(NUM_CLASSES, ignore_index=9)
    # void is written as 255 whatever ignore_index the input uses
    assert np.array_equal(alt.scribbles(other_void, key='k'),
                          WeakLabelSimulator(NUM_CLASSES).scribbles(mask, key='k'))
