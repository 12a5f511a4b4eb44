"""Tests of ``tools/misc/print_config.py`` (run as a subprocess)."""
import os
import subprocess
import sys

from mmengine.config import Config

from mmlabeleff.testing.script_loader import REPO_ROOT

SCRIPT = str(REPO_ROOT / 'tools' / 'misc' / 'print_config.py')


def _run(*args, cwd):
    return subprocess.run([sys.executable, SCRIPT, *map(str, args)],
                          cwd=cwd,
                          capture_output=True,
                          text=True,
                          timeout=60)


def _write_configs(folder):
    (folder / 'base.py').write_text(
        "model = dict(type='Toy', depth=18, channels=[8, 16])\n"
        'max_iters = 100\n')
    child = folder / 'child.py'
    child.write_text("_base_ = ['./base.py']  # the toy model\n"
                     'model = dict(depth=34)\n')
    return child


def test_prints_merged_config_and_saves_it(tmp_path):
    config = _write_configs(tmp_path)
    save_path = tmp_path / 'out' / 'resolved.py'
    result = _run(config, '--cfg-options', 'max_iters=7',
                  '--save-path', save_path, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert 'depth=34' in result.stdout
    assert 'max_iters = 7' in result.stdout
    assert "type='Toy'" in result.stdout

    saved = Config.fromfile(str(save_path))
    assert saved.model.depth == 34
    assert saved.model.channels == [8, 16]
    assert saved.max_iters == 7
    assert os.listdir(save_path.parent) == ['resolved.py']


def test_saves_json(tmp_path):
    config = _write_configs(tmp_path)
    save_path = tmp_path / 'resolved.json'
    result = _run(config, '--save-path', save_path, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert Config.fromfile(str(save_path)).model.depth == 34


def test_missing_config_is_a_clear_error(tmp_path):
    missing = tmp_path / 'no_such_config.py'
    result = _run(missing, cwd=tmp_path)
    assert result.returncode != 0
    assert str(missing) in result.stderr
    assert 'Traceback' not in result.stderr


def test_bad_save_suffix_is_refused(tmp_path):
    config = _write_configs(tmp_path)
    result = _run(config, '--save-path', tmp_path / 'x.txt', cwd=tmp_path)
    assert result.returncode != 0
    assert 'x.txt' in result.stderr
    assert not (tmp_path / 'x.txt').exists()
