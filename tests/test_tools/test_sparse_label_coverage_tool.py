"""Tests of ``tools/analysis_tools/sparse_label_coverage.py`` (the library,
:mod:`mmlabeleff.utils.sparse_label_coverage`, is tested in
``tests/test_utils``)."""
import json

import pytest

SCRIPT = 'tools/analysis_tools/sparse_label_coverage.py'
CONFIG = 'configs/_base_/datasets/camvid_weak.py'


@pytest.fixture(scope='module')
def tool(load_tool):
    return load_tool(SCRIPT)


def test_prints_the_table_and_writes_json(tool, repo_root, camvid_tiny_root,
                                          camvid_tiny_weak_root, tmp_path,
                                          capsys):
    out = tmp_path / 'coverage.json'
    result = tool.main([
        str(repo_root / CONFIG), '--num', '2', '--out', str(out),
        '--cfg-options',
        f'train_dataloader.dataset.data_root={camvid_tiny_root}',
        f'train_dataloader.dataset.weak_root={camvid_tiny_weak_root}'])
    printed = capsys.readouterr().out
    assert '2 train samples (seed 0), supervision scribbles' in printed
    assert '| components per scribble | 1.00 |' in printed
    assert 'after pipeline, label_area' in printed
    assert json.loads(out.read_text()) == json.loads(json.dumps(result))


def test_errors(tool, tmp_path):
    with pytest.raises(SystemExit, match='config file not found'):
        tool.main([str(tmp_path / 'nope.py')])
    with pytest.raises(SystemExit):
        tool.main([CONFIG, '--num', '0'])
