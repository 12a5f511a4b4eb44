"""Labelled / unlabelled mixing per batch with mmdet's MultiSourceSampler,
as the semi-supervised configs use it, under 2 processes (gloo)."""
import os
import socket

import pytest
import torch.distributed as dist
import torch.multiprocessing as mp

pytest.importorskip('mmdet')


class _Source:
    """A dataset of ``n`` items (the sampler reads only its length)."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return i


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _worker(rank, world, port, results):
    os.environ['MASTER_ADDR'] = '127.0.0.1'
    os.environ['MASTER_PORT'] = str(port)
    dist.init_process_group('gloo', rank=rank, world_size=world)
    try:
        from mmdet.datasets.samplers import MultiSourceSampler
        from torch.utils.data import ConcatDataset
        dataset = ConcatDataset([_Source(10), _Source(30)])
        sampler = MultiSourceSampler(dataset, batch_size=4,
                                     source_ratio=[1, 3], seed=0)
        it = iter(sampler)
        results[rank] = [[next(it) for _ in range(4)] for _ in range(20)]
    finally:
        dist.destroy_process_group()


def test_each_batch_has_the_ratio_and_ranks_differ():
    manager = mp.Manager()
    results = manager.dict()
    mp.spawn(_worker, args=(2, _free_port(), results), nprocs=2, join=True)
    for rank in (0, 1):
        for batch in results[rank]:
            labelled = [i for i in batch if i < 10]
            unlabelled = [i for i in batch if i >= 10]
            assert len(labelled) == 1 and len(unlabelled) == 3
    assert results[0] != results[1]  # each rank its own stream
    seen = {i for rank in (0, 1) for batch in results[rank] for i in batch
            if i < 10}
    assert len(seen) == 10  # the labelled images cycle through
