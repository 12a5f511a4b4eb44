"""Side-by-side cost of training steps and peak memory of inference.

The logic of ``tools/analysis_tools/benchmark_blpseg.py``:

* :func:`benchmark_train_steps` builds the models of several configs, feeds
  them the same real batch (drawn once from the first config's train
  dataloader) and times ``model.train_step`` (preprocessing, forward,
  losses, backward, optimizer step) in interleaved rounds after a warm-up,
  so that machine load affects all of them alike; the median step time of
  each and its ratio to the first config are reported.
* :func:`inference_peak_memory` runs whole-image inference of a config's
  model at one input size in a fresh process and reports the growth of the
  process's peak resident memory (``VmHWM``) over its resident memory just
  before the forward pass, with the LAM in its chunked form ("ours") or the
  dense public-code form.
"""
import copy
import multiprocessing as mp
import statistics
import time
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from .setup_env import register_all_modules

__all__ = ['benchmark_train_steps', 'inference_peak_memory',
           'dense_lam_bytes', 'format_step_table', 'format_memory_table']


def _build_model(cfg: Config):
    from mmlabeleff.registry import MODELS
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.backbone.init_cfg = None  # the weights do not change the cost
    model = MODELS.build(model_cfg)
    model.init_weights()
    return model


def benchmark_train_steps(cfgs: Dict[str, Config], repeats: int = 10,
                          warmup: int = 2, seed: int = 0) -> List[dict]:
    """Median ``train_step`` time of each config on one shared batch.

    Args:
        cfgs (dict[str, Config]): Name -> config; the first is the baseline.
        repeats (int): Timed rounds (each round steps every model once).
        warmup (int): Untimed rounds first.
        seed (int): Torch seed for model initialisation.

    Returns:
        list[dict]: One row per config: ``name``, ``median_s``, ``min_s``,
        ``ratio`` (median over the baseline's median).
    """
    register_all_modules(init_default_scope=False)
    names = list(cfgs)
    first = cfgs[names[0]]
    init_default_scope(first.get('default_scope', 'mmlabeleff'))
    loader_cfg = copy.deepcopy(first.train_dataloader)
    loader_cfg.update(num_workers=0, persistent_workers=False)
    batch = next(iter(Runner.build_dataloader(loader_cfg, seed=seed)))
    steps = {}
    for name in names:
        torch.manual_seed(seed)
        model = _build_model(cfgs[name])
        model.train()
        wrapper = build_optim_wrapper(model, copy.deepcopy(cfgs[name].optim_wrapper))
        steps[name] = (model, wrapper)
    times = {name: [] for name in names}
    for round_index in range(warmup + repeats):
        for name in names:
            model, wrapper = steps[name]
            data = copy.deepcopy(batch)
            start = time.perf_counter()
            model.train_step(data, wrapper)
            elapsed = time.perf_counter() - start
            if round_index >= warmup:
                times[name].append(elapsed)
    base = statistics.median(times[names[0]])
    return [dict(name=name, median_s=statistics.median(times[name]),
                 min_s=min(times[name]),
                 ratio=statistics.median(times[name]) / base)
            for name in names]


def _vm_kb(key: str) -> int:
    with open('/proc/self/status') as status:
        for line in status:
            if line.startswith(key + ':'):
                return int(line.split()[1])
    raise RuntimeError(f'{key} not in /proc/self/status')


def _memory_worker(cfg_text: str, size: Sequence[int], dense: bool,
                   queue) -> None:
    """Runs in a fresh process: one whole-image forward pass."""
    try:
        register_all_modules(init_default_scope=True)
        cfg = Config.fromstring(cfg_text, file_format='.py')
        model = _build_model(cfg).eval()
        if dense:
            from mmlabeleff.models.layers import local_aggregation_module as lam
            lam.local_aggregation = (
                lambda x, f, sigma, chunk_size, eps:
                lam.local_aggregation_reference(x, f, sigma, eps))
        image = torch.randn(1, 3, *size)
        metas = [dict(img_shape=tuple(size), ori_shape=tuple(size),
                      pad_shape=tuple(size))]
        before = _vm_kb('VmRSS')
        start = time.perf_counter()
        with torch.no_grad():
            model.encode_decode(image, metas)
        seconds = time.perf_counter() - start
        queue.put(dict(peak_mb=(_vm_kb('VmHWM') - before) / 1024,
                       seconds=seconds))
    except Exception as error:  # reported, never hangs the parent
        queue.put(dict(error=f'{type(error).__name__}: {error}'))


def dense_lam_bytes(size: Sequence[int], stride: int = 4,
                    matrices: int = 3) -> int:
    """Bytes of ``matrices`` float32 ``N x N`` maps of the dense LAM."""
    length = (size[0] // stride) * (size[1] // stride)
    return matrices * length * length * 4


def inference_peak_memory(cfg: Config, size: Sequence[int], dense: bool,
                          max_bytes: Optional[int] = None,
                          timeout: float = 1800.0) -> dict:
    """Peak memory growth of one whole-image forward pass, in a fresh process.

    Args:
        cfg (Config): A config whose model has a LAM (e.g. BLPSeg).
        size (tuple[int, int]): Input (H, W).
        dense (bool): Use the dense public-code form of the LAM instead of
            the chunked one.
        max_bytes (int, optional): Skip (and say so) when the dense LAM's
            estimated matrices exceed it; defaults to 3/4 of physical memory.
        timeout (float): Seconds before the worker is killed.

    Returns:
        dict: ``size``, ``lam`` ('dense' / 'ours'), and ``peak_mb`` and
        ``seconds``, or ``skipped`` / ``error`` with the reason.
    """
    row = dict(size=f'{size[0]}x{size[1]}', lam='dense' if dense else 'ours')
    if max_bytes is None:
        import os
        max_bytes = int(0.75 * os.sysconf('SC_PAGE_SIZE') *
                        os.sysconf('SC_PHYS_PAGES'))
    if dense and dense_lam_bytes(size) > max_bytes:
        row['skipped'] = (f'needs > {dense_lam_bytes(size) / 2**30:.1f} GiB '
                          f'(3 float32 N x N maps), over '
                          f'{max_bytes / 2**30:.1f} GiB')
        return row
    ctx = mp.get_context('spawn')
    queue = ctx.Queue()
    proc = ctx.Process(target=_memory_worker,
                       args=(cfg.pretty_text, tuple(size), dense, queue))
    proc.start()
    proc.join(timeout)
    if proc.is_alive():
        proc.kill()
        proc.join()
        row['error'] = f'timed out after {timeout:.0f} s'
        return row
    if queue.empty():
        row['error'] = f'worker died (exit code {proc.exitcode})'
        return row
    row.update(queue.get())
    return row


def format_step_table(rows: List[dict]) -> str:
    """Markdown table of :func:`benchmark_train_steps` rows."""
    lines = ['| config | median s / step | min s | ratio |', '|---|---:|---:|---:|']
    for row in rows:
        lines.append(f"| {row['name']} | {row['median_s']:.3f} | "
                     f"{row['min_s']:.3f} | {row['ratio']:.2f}x |")
    return '\n'.join(lines)


def format_memory_table(rows: List[dict]) -> str:
    """Markdown table of :func:`inference_peak_memory` rows."""
    lines = ['| input | LAM | peak memory growth MB | seconds |',
             '|---|---|---:|---:|']
    for row in rows:
        if 'peak_mb' in row:
            lines.append(f"| {row['size']} | {row['lam']} | "
                         f"{row['peak_mb']:.0f} | {row['seconds']:.1f} |")
        else:
            reason = row.get('skipped') or row.get('error')
            lines.append(f"| {row['size']} | {row['lam']} | not run: {reason} | |")
    return '\n'.join(lines)
