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
