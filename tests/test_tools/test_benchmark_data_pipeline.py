"""Smoke test of ``tools/analysis_tools/benchmark_data_pipeline.py``."""
import os

import pytest

CONFIG = 'configs/_base_/datasets/camvid.py'


@pytest.fixture(scope='module')
def tool(load_tool):
    """The script, imported from its path."""
    return load_tool('tools/analysis_tools/benchmark_data_pipeline.py')


def test_times_two_batches_per_num_workers(tool, camvid_tiny_root, tmp_path,
                                           capsys, monkeypatch, repo_root):
    monkeypatch.chdir(tmp_path)  # nothing may be written
    config = str(repo_root / CONFIG)
    results = tool.main([
        config, '--num-batches', '2', '--num-warmup', '1', '--num-workers',
        '0', '1', '--cfg-options',
        f'train_dataloader.dataset.data_root={camvid_tiny_root}',
        'train_dataloader.batch_size=2'
    ])
    assert list(results) == [0, 1]
    for result in results.values():
        assert result['batches'] == 2 and result['images'] == 4
        assert result['images_per_s'] > 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ['num_workers', '0', '1']
    assert lines[2].split()[0] == 'images/s'
    assert os.listdir(tmp_path) == []


def test_finite_val_loader_stops_early(tool, camvid_tiny_root, repo_root):
    config = str(repo_root / CONFIG)
    results = tool.main([
        config, '--split', 'val', '--num-batches', '50', '--num-warmup', '0',
        '--num-workers', '0', '--cfg-options',
        f'val_dataloader.dataset.data_root={camvid_tiny_root}'
    ])
    assert results[0]['batches'] == 2  # the 2 val images, batch_size 1


def test_missing_config_and_split_are_reported(tool, tmp_path, repo_root):
    missing = str(tmp_path / 'nope.py')
    with pytest.raises(SystemExit, match='nope.py'):
        tool.main([missing])
    config = tmp_path / 'no_test.py'
    config.write_text('train_dataloader = dict(batch_size=1)\n')
    with pytest.raises(SystemExit, match='no val_dataloader'):
        tool.main([str(config), '--split', 'val'])


@pytest.mark.parametrize('argv', [['--num-batches', '0'],
                                  ['--num-warmup', '-1'],
                                  ['--num-workers', '-2']])
def test_bad_counts_are_refused(tool, argv, capsys):
    with pytest.raises(SystemExit):
        tool.parse_args([CONFIG, *argv])
    assert 'must be >= ' in capsys.readouterr().err
