"""all_gather_cat with 2 CPU processes (gloo): values, offsets, gradients."""
import os
import socket

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from mmlabeleff.models.utils import all_gather_cat, is_distributed


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _worker(rank, world, port, results):
    os.environ['MASTER_ADDR'] = '127.0.0.1'
    os.environ['MASTER_PORT'] = str(port)
    dist.init_process_group('gloo', rank=rank, world_size=world)
    try:
        torch.manual_seed(rank)
        rows = 3 if rank == 0 else 1  # different lengths
        x = torch.randn(rows, 2, dtype=torch.float64, requires_grad=True)
        gathered, offset = all_gather_cat(x)
        # rank r's loss weighs every gathered row by (r + 1) * (row + 1)
        weights = (rank + 1) * torch.arange(1, gathered.shape[0] + 1,
                                            dtype=torch.float64)
        (gathered.sum(1) * weights).sum().backward()
        labels, _ = all_gather_cat(torch.full((rows, ), rank, dtype=torch.long))
        empty, empty_offset = all_gather_cat(torch.zeros(0, 2))
        results[rank] = dict(x=x.detach(), gathered=gathered.detach(),
                             offset=offset, grad=x.grad.clone(), labels=labels,
                             empty=tuple(empty.shape), empty_offset=empty_offset)
    finally:
        dist.destroy_process_group()


def test_gather_two_processes():
    world = 2
    manager = mp.Manager()
    results = manager.dict()
    mp.spawn(_worker, args=(world, _free_port(), results), nprocs=world,
             join=True)
    r0, r1 = results[0], results[1]
    expected = torch.cat([r0['x'], r1['x']])
    assert torch.equal(r0['gathered'], expected)
    assert torch.equal(r1['gathered'], expected)
    assert (r0['offset'], r1['offset']) == (0, 3)
    assert r0['labels'].tolist() == [0, 0, 0, 1]
    assert r0['empty'] == (0, 2) and r1['empty_offset'] == 0
    # d(sum_r loss_r)/d row j = sum_r (r + 1) * (j + 1) = 3 * (j + 1)
    rows = torch.arange(1, 5, dtype=torch.float64).view(-1, 1) * 3
    assert torch.allclose(r0['grad'], rows[:3].expand(3, 2))
    assert torch.allclose(r1['grad'], rows[3:].expand(1, 2))


def test_single_process_is_identity():
    assert not is_distributed()
    x = torch.randn(4, 3)
    out, offset = all_gather_cat(x)
    assert out is x and offset == 0


def _head_worker(rank, world, port, results):
    os.environ['MASTER_ADDR'] = '127.0.0.1'
    os.environ['MASTER_PORT'] = str(port)
    dist.init_process_group('gloo', rank=rank, world_size=world)
    try:
        from mmengine.structures import PixelData
        from mmseg.structures import SegDataSample

        from mmlabeleff.models.decode_heads import SPMLHead
        torch.manual_seed(0)  # same initial weights on both ranks
        head = SPMLHead(in_channels=4, in_index=0, num_classes=3,
                        embedding_dim=4, dilations=(1, ), upsample_scale=1,
                        kmeans_num_clusters=(2, 2),
                        loss_decode=dict(type='mmlabeleff.PartialCrossEntropyLoss',
                                         loss_name='loss_ce'))
        sample = SegDataSample()
        label = torch.full((1, 8, 8), 254)
        # rank 0 holds an unlabeled image only: no semantic anchors there,
        # yet its backward must take part in the gather's collective
        kind = 'unlabeled' if rank == 0 else 'scribbles'
        if rank == 1:
            label[0, :2] = 1
            label[0, -2:] = 2
        sample.gt_sparse_seg = PixelData(data=label)
        sample.gt_superpixel = PixelData(
            data=(torch.arange(64).view(1, 8, 8) // 16))
        sample.set_metainfo(dict(supervision=kind))
        feats = [torch.randn(1, 4, 8, 8, generator=torch.Generator().manual_seed(rank))]
        losses = head.loss(feats, [sample], {})
        total = sum(v for k, v in losses.items() if k.startswith('loss'))
        total.backward()
        grads = torch.cat([p.grad.flatten() for p in head.aspp.parameters()])
        results[rank] = dict(keys=sorted(losses), grads=grads,
                             protos=int(head.memory[0]['prototypes'].shape[0]))
    finally:
        dist.destroy_process_group()


def test_spml_head_in_ddp_with_a_rank_without_labels():
    manager = mp.Manager()
    results = manager.dict()
    mp.spawn(_head_worker, args=(2, _free_port(), results), nprocs=2,
             join=True)
    r0, r1 = results[0], results[1]
    # both ranks saw the same global segments (the memory bank holds them)
    assert r0['protos'] == r1['protos'] > 0
    assert 'loss_sem_ann' in r1['keys']
    # the backward finished on both ranks (no rank waits in the gather's
    # collective) and reached rank 0's parameters
    for r in (r0, r1):
        assert torch.isfinite(r['grads']).all() and r['grads'].abs().sum() > 0
