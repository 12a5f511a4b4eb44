"""make_texture_scenes: determinism, idempotence, exact masks, atomicity."""
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mmlabeleff.datasets.generators import make_texture_scenes
from mmlabeleff.datasets.generators import texture_scenes as ts

TINY = dict(num_train=8, num_val=2, size=(32, 32))


def _files(root):
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(Path(root).rglob('*')) if p.is_file()
    }


def _label(path):
    return np.asarray(Image.open(path))


def test_textures_ship_in_the_scikit_image_wheel():
    data_dir = ts._skimage_data_dir()
    for src in ts.TEXTURE_SOURCES:
        assert (data_dir / src['file']).is_file(), src['file']
        assert src['license']
    textures, digests = ts.load_textures()
    assert [t.mode for t in textures] == ['RGB', 'L', 'L', 'L', 'RGB']
    assert all(min(t.size) >= 512 for t in textures)
    assert len(set(digests)) == len(ts.CLASSES)
    with pytest.raises(FileNotFoundError, match='hubble_deep_field.jpg'):
        ts.load_textures(data_dir=Path('/nonexistent'))


def test_layout_labels_and_meta(tmp_path):
    meta = make_texture_scenes(tmp_path / 'ts', seed=3, **TINY)
    root = tmp_path / 'ts'
    assert meta['created'] and meta['out_dir'] == str(root)
    assert meta['counts'] == dict(train=8, val=2)
    on_disk = json.loads((root / 'meta.json').read_text())
    assert on_disk['classes'] == list(ts.CLASSES) == meta['classes']
    assert on_disk['palette'] == [list(p) for p in ts.PALETTE]
    assert [s['file'] for s in on_disk['sources']] == [
        'hubble_deep_field.jpg', 'brick.png', 'grass.png', 'gravel.png',
        'ihc.png'
    ]
    assert on_disk['params'] == dict(
        num_train=8, num_val=2, size=[32, 32], seed=3)
    seen = set()
    for split, num in (('train', 8), ('val', 2)):
        imgs = sorted((root / 'img_dir' / split).glob('*.png'))
        anns = sorted((root / 'ann_dir' / split).glob('*.png'))
        assert [p.name for p in imgs] == [p.name for p in anns]
        assert len(imgs) == num
        for img_path, ann_path in zip(imgs, anns, strict=True):
            img = Image.open(img_path)
            ann = Image.open(ann_path)
            assert img.mode == 'RGB' and ann.mode == 'L'
            assert img.size == ann.size == (32, 32)
            labels = np.unique(np.asarray(ann))
            assert labels.max() < len(ts.CLASSES)
            seen.update(labels.tolist())
    assert seen == set(range(len(ts.CLASSES)))
    fractions = meta['class_pixel_fraction']['train']
    assert abs(sum(fractions) - 1) < 1e-4 and min(fractions) > 0.02


def test_masks_are_exactly_what_was_drawn():
    textures, _ = ts.load_textures()
    for i in range(4):
        rng = np.random.default_rng([0, 0, i])
        image, label, layers = ts.render_scene(
            rng, textures, (40, 48), return_layers=True)
        assert image.shape == (40, 48, 3) and label.shape == (40, 48)
        assert image.dtype == label.dtype == np.uint8
        # Paste the layers again: the same image and label come out.
        rebuilt = np.zeros_like(image)
        relabel = np.full_like(label, 255)
        for cls, mask, layer in layers:
            rebuilt[mask] = layer[mask]
            relabel[mask] = cls
        np.testing.assert_array_equal(rebuilt, image)
        np.testing.assert_array_equal(relabel, label)
        assert layers[0][0] == 0 and layers[0][1].all()
        # Every foreground class is pasted; each shape stays half visible.
        assert {c for c, _, _ in layers[1:]} == {1, 2, 3, 4}
        visible = np.zeros(label.shape, dtype=int)
        for k, (_, mask, _) in enumerate(layers):
            visible[mask] = k
        for k, (_, mask, _) in enumerate(layers[1:], start=1):
            assert (visible == k).sum() >= 0.5 * mask.sum()
        # The same generator state gives the same scene.
        again = ts.render_scene(np.random.default_rng([0, 0, i]), textures,
                                (40, 48))
        np.testing.assert_array_equal(again[0], image)
        np.testing.assert_array_equal(again[1], label)


def test_deterministic_bytes(tmp_path):
    a = make_texture_scenes(tmp_path / 'a', **TINY)
    b = make_texture_scenes(tmp_path / 'b', **TINY)
    assert _files(tmp_path / 'a') == _files(tmp_path / 'b')
    assert a['content_sha256'] == b['content_sha256']
    c = make_texture_scenes(tmp_path / 'c', **dict(TINY, seed=1))
    assert c['content_sha256'] != a['content_sha256']
    # Scene i does not depend on how many scenes are made.
    make_texture_scenes(tmp_path / 'd', num_train=3, num_val=1, size=32)
    files_a, files_d = _files(tmp_path / 'a'), _files(tmp_path / 'd')
    for name in ('img_dir/train/00002.png', 'ann_dir/val/00000.png'):
        assert files_a[name] == files_d[name]


def test_idempotent_force_and_stale(tmp_path):
    root = tmp_path / 'ts'
    first = make_texture_scenes(root, **TINY)
    stamp = {p: p.stat().st_mtime_ns for p in root.rglob('*')}
    second = make_texture_scenes(root, **TINY)
    assert first['created'] and not second['created']
    assert second['content_sha256'] == first['content_sha256']
    assert {p: p.stat().st_mtime_ns for p in root.rglob('*')} == stamp

    forced = make_texture_scenes(root, force=True, **TINY)
    assert forced['created']
    assert forced['content_sha256'] == first['content_sha256']

    # An edited file or other parameters: the dataset is rebuilt.
    (root / 'ann_dir' / 'train' / '00000.png').write_bytes(b'broken')
    repaired = make_texture_scenes(root, **TINY)
    assert repaired['created']
    assert repaired['content_sha256'] == first['content_sha256']
    bigger = make_texture_scenes(root, **dict(TINY, num_train=9))
    assert bigger['created'] and bigger['counts']['train'] == 9
    assert len(list((root / 'img_dir' / 'train').iterdir())) == 9
    assert sorted(p.name for p in tmp_path.iterdir()) == ['ts']


def test_interrupted_run_leaves_nothing(tmp_path, monkeypatch):
    calls = []
    real = ts._png_bytes

    def failing(array):
        calls.append(1)
        if len(calls) > 5:
            raise KeyboardInterrupt('interrupted')
        return real(array)

    monkeypatch.setattr(ts, '_png_bytes', failing)
    with pytest.raises(KeyboardInterrupt):
        make_texture_scenes(tmp_path / 'ts', **TINY)
    assert list(tmp_path.iterdir()) == []

    # A failed rebuild keeps the previous dataset as it was.
    monkeypatch.setattr(ts, '_png_bytes', real)
    make_texture_scenes(tmp_path / 'ts', **TINY)
    before = _files(tmp_path / 'ts')
    calls.clear()
    monkeypatch.setattr(ts, '_png_bytes', failing)
    with pytest.raises(KeyboardInterrupt):
        make_texture_scenes(tmp_path / 'ts', **dict(TINY, seed=5))
    assert _files(tmp_path / 'ts') == before
    assert [p.name for p in tmp_path.iterdir()] == ['ts']


@pytest.mark.parametrize('kwargs, match', [
    (dict(size=8), r'size must be between 16 and 512.*\(8, 8\)'),
    (dict(size=(32, 1000)), r'size must be between 16 and 512.*\(32, 1000\)'),
    (dict(size=(32, 32, 3)), 'size must be an int or a pair'),
    (dict(size='big'), 'size must be an int or a pair'),
    (dict(num_train=0), 'num_train must be a positive int, got 0'),
    (dict(num_val=-2), 'num_val must be a positive int, got -2'),
    (dict(num_train=2.5), 'num_train must be a positive int'),
    (dict(seed=-1), 'seed must be a non-negative int'),
])
def test_bad_arguments(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_texture_scenes(tmp_path / 'ts', **dict(TINY, **kwargs))
    assert not (tmp_path / 'ts').exists()


def test_refuses_files_and_foreign_folders(tmp_path):
    a_file = tmp_path / 'file'
    a_file.write_text('x')
    with pytest.raises(ValueError, match='exists and is not a folder'):
        make_texture_scenes(a_file, **TINY)
    foreign = tmp_path / 'mine'
    foreign.mkdir()
    (foreign / 'notes.txt').write_text('keep me')
    for force in (False, True):
        with pytest.raises(ValueError, match='not a TextureScenes dataset'):
            make_texture_scenes(foreign, force=force, **TINY)
    assert (foreign / 'notes.txt').read_text() == 'keep me'
    empty = tmp_path / 'empty'
    empty.mkdir()
    assert make_texture_scenes(empty, **TINY)['created']


def test_a_dataset_of_the_former_module_name_is_kept(tmp_path):
    root = tmp_path / 'ts'
    make_texture_scenes(root, **TINY)
    meta = json.loads((root / 'meta.json').read_text())
    assert meta['generator'] == 'mmlabeleff.datasets.generators.texture_scenes'
    meta['generator'] = 'mmlabeleff.testing.texture_scenes'
    (root / 'meta.json').write_text(json.dumps(meta))
    assert not make_texture_scenes(root, **TINY)['created']
    assert make_texture_scenes(root, **dict(TINY, seed=4))['created']


def test_cli(tmp_path, capsys, load_tool):
    cli = load_tool('tools/misc/make_demo_dataset.py')
    args = ['--out-dir', str(tmp_path / 'ts'), '--num-train', '3',
            '--num-val', '1', '--size', '24', '32', '--seed', '2']
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    assert 'generated' in out and '3 train, 1 val, 24x32, seed 2' in out
    assert 'brick' in out and 'CC0' in out
    assert cli.main(args) == 0
    assert 'already up to date' in capsys.readouterr().out
    assert cli.main(args[:2] + ['--size', '4']) == 2
    assert 'size must be between' in capsys.readouterr().err
