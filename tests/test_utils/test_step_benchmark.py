"""Step-cost and LAM-memory benchmark of BLPSeg (logic and tool)."""
import pytest
from mmengine.config import Config

from mmlabeleff.testing.script_loader import REPO_ROOT, load_script
from mmlabeleff.testing.tiny_configs import shrink_weak_recipe
from mmlabeleff.utils.step_benchmark import (
    benchmark_train_steps,
    dense_lam_bytes,
    format_memory_table,
    format_step_table,
    inference_peak_memory,
)

RECIPES = REPO_ROOT / 'configs/blpseg'
BLPSEG = RECIPES / 'blpseg_efflite0_1xb8-2k_camvid-scribbles-176x176.py'
PCE = RECIPES / 'blpseg-pce_efflite0_1xb8-2k_camvid-scribbles-176x176.py'


def _tiny(path, root, weak_root, work_dir):
    return shrink_weak_recipe(Config.fromfile(str(path)), root, weak_root, work_dir)


def test_step_rows_time_each_config_against_the_first(camvid_tiny_root,
                                                      camvid_tiny_weak_root,
                                                      tmp_path):
    cfgs = {name: _tiny(path, camvid_tiny_root, camvid_tiny_weak_root, tmp_path)
            for name, path in (('pce', PCE), ('blpseg', BLPSEG))}
    rows = benchmark_train_steps(cfgs, repeats=2, warmup=0)
    assert [row['name'] for row in rows] == ['pce', 'blpseg']
    assert rows[0]['ratio'] == 1.0
    for row in rows:
        assert 0 < row['min_s'] <= row['median_s']
    assert rows[1]['ratio'] == pytest.approx(
        rows[1]['median_s'] / rows[0]['median_s'])
    table = format_step_table(rows)
    assert '| blpseg |' in table and '1.00x' in table


def test_dense_lam_bytes_counts_three_n_by_n_maps():
    # 1024 px at stride 4: N = 256^2, three float32 N x N maps = 48 GiB
    assert dense_lam_bytes((1024, 1024)) == 3 * (256 * 256) ** 2 * 4
    assert dense_lam_bytes((64, 32), stride=4, matrices=1) == (16 * 8) ** 2 * 4


def test_memory_rows_measure_ours_and_skip_an_oversized_dense(
        camvid_tiny_root, camvid_tiny_weak_root, tmp_path):
    cfg = _tiny(BLPSEG, camvid_tiny_root, camvid_tiny_weak_root, tmp_path)
    skipped = inference_peak_memory(cfg, (64, 64), dense=True, max_bytes=1)
    assert skipped['lam'] == 'dense' and 'needs >' in skipped['skipped']
    ours = inference_peak_memory(cfg, (64, 64), dense=False, timeout=300)
    assert 'error' not in ours, ours
    assert ours['peak_mb'] >= 0 and ours['seconds'] > 0
    table = format_memory_table([skipped, ours])
    assert '| 64x64 | ours |' in table and 'not run' in table


@pytest.mark.parametrize('argv, message', [
    (['--repeats', '0'], '--repeats must be >= 1'),
    (['--warmup', '-1'], '--repeats must be >= 1'),
    (['--sizes', '0'], '--sizes must be at least 32'),
])
def test_tool_rejects_absurd_arguments(argv, message, capsys):
    tool = load_script('tools/analysis_tools/benchmark_blpseg.py')
    with pytest.raises(SystemExit):
        tool.parse_args(argv)
    assert message in capsys.readouterr().err
