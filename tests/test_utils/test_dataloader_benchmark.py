"""Tests of :mod:`mmlabeleff.utils.dataloader_benchmark`."""
import pytest
import torch
from mmengine.config import Config

from mmlabeleff.utils.dataloader_benchmark import (
    benchmark_dataloader,
    count_images,
    format_throughput_table,
    time_dataloader,
)


def test_count_images_of_every_batch_form():
    assert count_images(dict(inputs=[torch.zeros(3, 2, 2)] * 3)) == 3
    assert count_images(dict(inputs=torch.zeros(5, 3, 2, 2))) == 5
    # mmdet's MultiBranch: one entry per branch, the same images each
    branches = dict(inputs=dict(teacher=[1, 2], student=[1, 2]))
    assert count_images(branches) == 2
    assert count_images([1, 2, 3, 4]) == 4


def test_format_throughput_table_columns():
    results = {
        0: dict(images_per_s=12.345, batches=2, images=4, seconds=0.324),
        2: dict(images_per_s=100.0, batches=1, images=2, seconds=0.02),
    }
    assert format_throughput_table(results).splitlines() == [
        'num_workers          0         2',
        'images/s          12.3     100.0',
        'batches              2         1',
        'images               4         2',
        'seconds           0.32      0.02',
    ]


def _camvid_cfg(repo_root, data_root):
    cfg = Config.fromfile(
        str(repo_root / 'configs' / '_base_' / 'datasets' / 'camvid.py'))
    cfg.merge_from_dict({
        'train_dataloader.dataset.data_root': str(data_root),
        'train_dataloader.batch_size': 2,
        'val_dataloader.dataset.data_root': str(data_root),
    })
    return cfg


def test_benchmark_counts_the_timed_batches(repo_root, camvid_tiny_root):
    cfg = _camvid_cfg(repo_root, camvid_tiny_root)
    results = benchmark_dataloader(cfg, 'train', [0], num_batches=3,
                                   num_warmup=1)
    assert list(results) == [0]
    # the infinite train sampler delivers every batch asked for
    assert results[0]['batches'] == 3 and results[0]['images'] == 6
    assert results[0]['images_per_s'] == pytest.approx(
        6 / results[0]['seconds'])
    # the config itself is not modified
    assert cfg.train_dataloader.num_workers == 2
    assert cfg.train_dataloader.persistent_workers is True


def test_finite_sampler_stops_early(repo_root, camvid_tiny_root):
    cfg = _camvid_cfg(repo_root, camvid_tiny_root)
    result = time_dataloader(cfg.val_dataloader, 0, num_batches=50,
                             num_warmup=1)
    # 2 val images, batch_size 1, one drawn during the warm-up
    assert result['batches'] == 1 and result['images'] == 1


def test_missing_split_is_a_key_error(repo_root, camvid_tiny_root):
    cfg = _camvid_cfg(repo_root, camvid_tiny_root)
    cfg.pop('test_dataloader')
    with pytest.raises(KeyError, match='test_dataloader'):
        benchmark_dataloader(cfg, 'test', [0])
