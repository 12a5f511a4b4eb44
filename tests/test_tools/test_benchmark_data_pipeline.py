"""Smoke test of ``tools/analysis_tools/benchmark_data_pipeline.py``."""
import importlib.util
import os
import os.path as osp

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCRIPT = osp.join(ROOT, 'tools', 'analysis_tools',
                  'benchmark_data_pipeline.py')


@pytest.fixture(scope='module')
def tool():
    """The script, imported from its path."""
    spec = importlib.util.spec_from_file_location('benchmark_data_pipeline',
                                                  SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_times_two_batches_per_num_workers(tool, camvid_tiny_root, tmp_path,
                                           capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing may be written
    config = osp.join(ROOT, 'configs', '_base_', 'datasets', 'camvid.py')
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


def test_finite_val_loader_stops_early(tool, camvid_tiny_root):
    config = osp.join(ROOT, 'configs', '_base_', 'datasets', 'camvid.py')
    results = tool.main([
        config, '--split', 'val', '--num-batches', '50', '--num-warmup', '0',
        '--num-workers', '0', '--cfg-options',
        f'val_dataloader.dataset.data_root={camvid_tiny_root}'
    ])
    assert results[0]['batches'] == 2  # the 2 val images, batch_size 1
