"""Smoke test of ``tools/analysis_tools/benchmark_ops.py`` on small inputs."""
import json
import subprocess
import sys

import pytest

SCRIPT = 'tools/analysis_tools/benchmark_ops.py'


def test_prints_and_writes_side_by_side_results(tmp_path, repo_root):
    pytest.importorskip('pydensecrf.densecrf')
    from mmlabeleff.ops import get_ext_function
    if get_ext_function('dense_crf_forward') is None:
        pytest.skip('mmlabeleff._ext is not built')
    out = tmp_path / 'bench.json'
    run = subprocess.run(
        [sys.executable, SCRIPT, '--size', '64', '48', '--batch', '2',
         '--repeats', '1', '--camvid', str(tmp_path / 'no_camvid'),
         '--out', str(out)],
        cwd=repo_root, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    assert 'TextureScenes' in run.stdout  # no CamVid: the generated images
    rows = json.loads(out.read_text())
    crf = [r for r in rows if r['op'] == 'dense_crf']
    walk = [r for r in rows if r['op'] == 'random_walk']
    assert len(crf) == 6 and len(walk) == 3
    for r in crf:
        assert r['agreement'] > 0.99 and r['max_diff'] < 1e-3
        assert r['t_ours'] > 0 and r['speedup'] > 0
    for r in walk:
        assert r['max_diff'] < 1e-5
    assert '| dense_crf | pydensecrf default: 1 image, 1 thread |' in run.stdout


def _fake_camvid(root, count=3, size=(96, 72)):
    """A few random photos and label masks in CamVid's layout."""
    import numpy as np
    from PIL import Image
    rng = np.random.default_rng(0)
    (root / 'train').mkdir(parents=True)
    (root / 'trainannot').mkdir()
    for i in range(count):
        img = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
        Image.fromarray(img).save(root / 'train' / f'{i:03d}.png')
        mask = rng.integers(0, 12, (size[1], size[0]), dtype=np.uint8)
        Image.fromarray(mask).save(root / 'trainannot' / f'{i:03d}.png')


def test_bilateral_filter_rows(tmp_path, repo_root):
    from mmlabeleff.ops import get_ext_function
    if get_ext_function('bilateral_filter_forward') is None:
        pytest.skip('mmlabeleff._ext is not built')
    _fake_camvid(tmp_path / 'camvid')
    out = tmp_path / 'bench.json'
    run = subprocess.run(
        [sys.executable, SCRIPT, '--skip-crf', '--skip-random-walk', '--repeats', '1',
         '--camvid', str(tmp_path / 'camvid'), '--out', str(out)],
        cwd=repo_root, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    rows = json.loads(out.read_text())
    assert [r['op'] for r in rows] == ['bilateral_filter'] * 4
    assert [r['case'].split(' ')[0] for r in rows] == [
        '(1,', '(1,', '(8,', '(8,']
    for r in rows:
        assert r['max_diff'] < 1e-5 and r['agreement'] > 0.999
        assert r['t_ours'] > 0 and r['speedup'] > 0
    assert '| bilateral_filter | (1, 21, 47, 63) CamVid at 1/8' in run.stdout
    # without CamVid the bilateral cases are skipped with a message
    run = subprocess.run(
        [sys.executable, SCRIPT, '--skip-crf', '--skip-random-walk', '--repeats', '1',
         '--camvid', str(tmp_path / 'none')],
        cwd=repo_root, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    assert 'no CamVid images' in run.stdout
