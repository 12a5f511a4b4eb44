"""Benchmarks of the image-tag pipeline's two costly stages.

The logic of ``tools/analysis_tools/benchmark_irn.py``:

* CAM dump throughput (:func:`bench_cam_dump`): the CAM stage's
  ``DumpTestLoop`` over the first images of its dataset, run by
  ``tools/test.py`` with 1 process and with 2 (``torchrun``), each in a
  fresh dump folder; images per second from the loop's own wall time
  (``manifest.json``) and the ratio;
* random-walk stage (:func:`bench_random_walk_stage`): for real images, the
  boundary map of a trained IRN and the image's strided CAMs, IRN's
  propagation with :func:`mmlabeleff.ops.random_walk` (sparse, compiled)
  against the same propagation with dense ``pixels x pixels`` matrices as
  IRN's ``misc/indexing.py`` does it (:func:`dense_random_walk`), timed one
  after the other on the same inputs; seconds per image, the ratio and the
  largest difference of the results.
"""
import json
import os
import os.path as osp
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Sequence

import torch
from torch import Tensor

from mmlabeleff.ops import get_neighbor_offsets
from mmlabeleff.ops.affinity import _irn_path_pixels

__all__ = ['dense_random_walk', 'bench_cam_dump', 'bench_random_walk_stage']


def dense_random_walk(cams: Tensor, boundary: Tensor, radius: float, beta: float,
                      exp_times: int) -> Tensor:
    """IRN's ``propagate_to_edge`` with dense matrices (the baseline).

    Builds the ``(HW, HW)`` affinity ``A`` (``1 -`` the largest boundary on
    IRN's path for every pair within ``radius``, 1 on the diagonal), the
    column-normalised ``T = A^beta / colsum``, squares it ``exp_times``
    times and returns ``(cams * (1 - boundary)) @ T``. Memory is
    ``O((HW)^2)``: use small maps.

    Args:
        cams (Tensor): ``(C, H, W)`` strided CAMs.
        boundary (Tensor): ``(H, W)`` boundary map in [0, 1].
        radius (float): Neighbourhood radius (see ``get_neighbor_offsets``).
        beta (float): Affinity exponent.
        exp_times (int): Squarings.

    Returns:
        Tensor: ``(C, H, W)``.
    """
    h, w = boundary.shape
    n = h * w
    dense = torch.eye(n, dtype=boundary.dtype, device=boundary.device)
    ys, xs = torch.meshgrid(torch.arange(h), torch.arange(w), indexing='ij')
    for dy, dx in get_neighbor_offsets(radius).tolist():
        ok = (ys + dy >= 0) & (ys + dy < h) & (xs + dx >= 0) & (xs + dx < w)
        src_y, src_x = ys[ok], xs[ok]
        strongest = torch.zeros(len(src_y), dtype=boundary.dtype)
        for py, px in _irn_path_pixels(dy, dx):
            strongest = torch.maximum(strongest, boundary[src_y + py, src_x + px])
        dense[src_y * w + src_x, (src_y + dy) * w + src_x + dx] = 1 - strongest
    trans = dense.pow(beta)
    trans = trans / trans.sum(dim=0, keepdim=True)
    for _ in range(exp_times):
        trans = trans @ trans
    x = (cams * (1 - boundary)).reshape(cams.shape[0], n)
    return (x @ trans).reshape(cams.shape)


def _dump_seconds(config: str, checkpoint: str, num_images: int, nproc: int,
                  work: str, threads: int) -> float:
    tool = osp.join('tools', 'test.py')
    cmd = [sys.executable]
    if nproc > 1:
        cmd += ['-m', 'torch.distributed.run', f'--nproc_per_node={nproc}']
    dump = osp.join(work, f'dump_{nproc}')
    cmd += [tool, config, checkpoint, '--work-dir', osp.join(work, f'w{nproc}'),
            '--cfg-options', f'test_dataloader.dataset.indices={num_images}',
            f'test_cfg.dump_dir={dump}']
    if nproc > 1:
        cmd += ['--launcher', 'pytorch']
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f'{" ".join(cmd)} failed:\n{result.stderr[-2000:]}')
    with open(osp.join(dump, 'manifest.json')) as f:
        return float(json.load(f)['seconds'])


def bench_cam_dump(config: str, checkpoint: str, num_images: int = 20,
                   nprocs: Sequence[int] = (1, 2), cpus: int = 2) -> List[dict]:
    """CAM dump images per second with each number of processes.

    Each run uses ``cpus // nproc`` threads per process, so every run has
    the same cores.

    Returns:
        list[dict]: ``nproc``, ``threads``, ``seconds``, ``img_per_s`` and
        ``ratio`` (to the first row).
    """
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for nproc in nprocs:
            threads = max(1, cpus // nproc)
            seconds = _dump_seconds(config, checkpoint, num_images, nproc, work,
                                    threads)
            rows.append(dict(nproc=nproc, threads=threads, seconds=seconds,
                             img_per_s=num_images / seconds))
    for row in rows:
        row['ratio'] = row['img_per_s'] / rows[0]['img_per_s']
    return rows


def bench_random_walk_stage(config: str, checkpoint: str, num_images: int = 3,
                            repeats: int = 1) -> Dict[str, float]:
    """Seconds per image of the random walk, sparse op against dense.

    Loads the affinity stage's model and its test dataset (the images with
    their CAM dumps), computes each image's boundary map once, then times
    :meth:`IRNet.propagate` and :func:`dense_random_walk` on it.

    Returns:
        dict: ``images``, ``map_size`` (largest h x w), ``t_dense``,
        ``t_ours`` (seconds per image), ``speedup`` and ``max_diff``
        (largest ``|ours - dense| / max |dense|``).
    """
    from mmengine.config import Config
    from mmengine.dataset import pseudo_collate
    from mmengine.runner import load_checkpoint

    from mmlabeleff.registry import DATASETS, MODELS
    cfg = Config.fromfile(config)
    model = MODELS.build(cfg.model)
    load_checkpoint(model, checkpoint, map_location='cpu', logger='silent')
    model.eval()
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    tc = model.test_cfg
    t_ours = t_dense = 0.0
    max_diff, size = 0.0, (0, 0)
    with torch.no_grad():
        for index in range(min(num_images, len(dataset))):
            data = model.data_preprocessor(pseudo_collate([dataset[index]]), False)
            sample = data['data_samples'][0]
            h, w = sample.metainfo['img_shape'][:2]
            edge = model.boundary(data['inputs'][:, :, :h, :w])
            cams = sample.strided_cams.data.to(edge)
            size = max(size, tuple(edge.shape), key=lambda s: s[0] * s[1])
            for _ in range(repeats):
                start = time.perf_counter()
                ours = model.propagate(cams, edge)
                t_ours += time.perf_counter() - start
                start = time.perf_counter()
                dense = dense_random_walk(cams, edge, tc['rw_radius'], tc['beta'],
                                          int(tc['exp_times']))
                t_dense += time.perf_counter() - start
            scale = float(dense.abs().max().clamp_min(1e-12))
            max_diff = max(max_diff, float((ours - dense).abs().max()) / scale)
    count = min(num_images, len(dataset)) * repeats
    return dict(images=min(num_images, len(dataset)), map_size=size,
                t_dense=t_dense / count, t_ours=t_ours / count,
                speedup=t_dense / max(t_ours, 1e-12), max_diff=max_diff)
