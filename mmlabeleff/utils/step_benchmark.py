"""Side-by-side cost of training steps and peak memory of inference.

The logic of ``tools/analysis_tools/benchmark_blpseg.py``:

* :func:`benchmark_train_steps` builds the models of several configs, feeds
  them the same real batch (drawn once from the first config's train
  dataloader) and times ``model.train_step`` (preprocessing, forward,
  losses, backward, optimizer step) in interleaved rounds after a warm-up,
  so that machine load affects all of them alike; the median step time of
  each and its ratio to the first config are reported.
* :func:`step_ratio_bound` puts the ratio next to the one the LAM's matrix
  products alone imply (multiply-adds counted against the baseline's).
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

import numpy as np
import torch
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from .setup_env import register_all_modules

__all__ = [
    'benchmark_train_steps', 'with_max_anchors', 'synthetic_batch', 'lam_training_macs',
    'forward_macs', 'step_ratio_bound', 'format_bound_table',
    'inference_peak_memory', 'dense_lam_bytes', 'format_step_table',
    'format_memory_table', 'train_peak_memory'
]


def _build_model(cfg: Config):
    from mmlabeleff.registry import MODELS
    model_cfg = copy.deepcopy(cfg.model)
    # the weights do not change the cost (a teacher-student wrapper builds
    # its networks from model.segmentor)
    inner = model_cfg.segmentor if 'segmentor' in model_cfg else model_cfg
    inner.backbone.init_cfg = None
    model = MODELS.build(model_cfg)
    model.init_weights()
    # SyncBN needs a process group; the Runner reverts it the same way in a
    # non-distributed run
    return revert_sync_batchnorm(model)


def _optim_wrapper_cfg(cfg: Config, device: str = 'cpu') -> dict:
    """The config's optimizer wrapper; fp32 where AMP cannot run (anywhere
    but on an available CUDA device)."""
    wrapper = copy.deepcopy(cfg.optim_wrapper)
    on_gpu = torch.device(device).type == 'cuda' and torch.cuda.is_available()
    if wrapper.get('type') == 'AmpOptimWrapper' and not on_gpu:
        wrapper['type'] = 'OptimWrapper'
    return wrapper


def _check_device(device: str) -> torch.device:
    """``torch.device(device)``; a clear error for CUDA without a GPU."""
    try:
        dev = torch.device(device)
    except RuntimeError as e:
        raise ValueError(f'bad device {device!r} ({e})') from e
    if dev.type == 'cuda' and not torch.cuda.is_available():
        raise ValueError(f'device {device!r}: no CUDA GPU is available')
    if dev.type not in ('cpu', 'cuda'):
        raise ValueError(f'device {device!r}: only cpu and cuda are supported')
    return dev


def _synchronize(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def synthetic_batch(num_classes: int, size: Sequence[int], batch_size: int,
                    seed: int = 0) -> dict:
    """A seeded training batch for configs whose data is not on this machine.

    Each sample has a random RGB image, simulated 1-pixel scribbles
    (:meth:`WeakLabelSimulator.scribbles`) on a dense mask of random class
    blocks (an 8 x 8 grid of class ids, upsampled) and, for SPML's low-level
    term, an over-segmentation of 16 x 16 blocks. The step cost of dense
    models does not depend on the pixel values or on which pixels carry
    labels, only on the sizes; SPML's depends on the number of segments,
    which the blocks keep in the range of real over-segmentations.

    Args:
        num_classes (int): K.
        size (tuple[int, int]): (H, W) of every image (the crop size).
        batch_size (int): Samples in the batch.
        seed (int): Seed of the images, masks and scribbles.

    Returns:
        dict: ``inputs`` and ``data_samples`` lists, as a dataloader yields.
    """
    from mmlabeleff.datasets.transforms import PackWeakSegInputs
    from mmlabeleff.structures.weak_label_simulator import WeakLabelSimulator
    height, width = (int(v) for v in size)
    if height < 1 or width < 1 or batch_size < 1:
        raise ValueError(f'synthetic_batch needs a positive size and batch size, '
                         f'got size={tuple(size)}, batch_size={batch_size}')
    rng = np.random.default_rng(seed)
    simulator = WeakLabelSimulator(num_classes, seed=seed)
    pack = PackWeakSegInputs()
    inputs, samples = [], []
    for index in range(batch_size):
        grid = rng.integers(0, num_classes, size=(8, 8), dtype=np.uint8)
        rows = np.arange(height) * 8 // height
        cols = np.arange(width) * 8 // width
        mask = grid[rows[:, None], cols[None, :]]
        results = dict(
            img=rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8),
            img_path=f'synthetic_{index}.png', ori_shape=(height, width),
            img_shape=(height, width), pad_shape=(height, width),
            scale_factor=(1.0, 1.0), flip=False, flip_direction=None,
            reduce_zero_label=False,
            seg_fields=['gt_sparse_seg_map', 'gt_superpixel_map'],
            gt_sparse_seg_map=simulator.scribbles(mask, key=str(index)),
            gt_superpixel_map=(
                (np.arange(height) * 16 // height)[:, None] * 16
                + (np.arange(width) * 16 // width)[None, :]).astype(np.int32))
        packed = pack.transform(results)
        inputs.append(packed['inputs'])
        samples.append(packed['data_samples'])
    return dict(inputs=inputs, data_samples=samples)


def with_max_anchors(cfgs: Dict[str, Config],
                     values: Sequence[int]) -> Dict[str, Config]:
    """``cfgs`` plus, for each SPML config after the first and each value,
    a copy with ``model.decode_head.max_anchors`` set (named ``'<name>
    max_anchors=<value>'``).

    Args:
        cfgs (dict[str, Config]): Name -> config; the first is the baseline.
        values (Sequence[int]): ``max_anchors`` values (each >= 1).

    Returns:
        dict[str, Config]: The configs in order, each SPML config followed by
        its variants.

    Raises:
        ValueError: For a value below 1, or values but no SPML config to
            vary.
    """
    bad = [v for v in values if int(v) < 1]
    if bad:
        raise ValueError(f'max_anchors values must be >= 1, got {bad}')
    out = {}
    varied = False
    for index, (name, cfg) in enumerate(cfgs.items()):
        out[name] = cfg
        head = cfg.model.get('decode_head', {})
        if index == 0 or head.get('type', '').split('.')[-1] != 'SPMLHead':
            continue
        for value in values:
            variant = copy.deepcopy(cfg)
            variant.model.decode_head.max_anchors = int(value)
            out[f'{name} max_anchors={int(value)}'] = variant
            varied = True
    if values and not varied:
        raise ValueError('max_anchors: no config after the baseline has an '
                         'SPMLHead decode head')
    return out


def benchmark_train_steps(cfgs: Dict[str, Config], repeats: int = 10,
                          warmup: int = 2, seed: int = 0,
                          batch_size: Optional[int] = None,
                          synthetic: bool = False,
                          device: str = 'cpu',
                          own_batches: bool = False) -> List[dict]:
    """Median ``train_step`` time of each config on one shared batch.

    ``AmpOptimWrapper`` recipes step in fp32 on the CPU (AMP needs a GPU).
    On a CUDA device every step is timed between two
    ``torch.cuda.synchronize`` calls.

    Args:
        cfgs (dict[str, Config]): Name -> config; the first is the baseline.
        repeats (int): Timed rounds (each round steps every model once).
        warmup (int): Untimed rounds first.
        seed (int): Torch seed for model initialisation.
        batch_size (int, optional): Images per step; defaults to the first
            config's ``train_dataloader.batch_size``.
        synthetic (bool): Time :func:`synthetic_batch` at the first config's
            crop size (``model.data_preprocessor.size``) instead of the first
            batch of its train dataloader (for recipes whose data is not on
            this machine).
        device (str): ``'cpu'`` or a CUDA device such as ``'cuda'``.
            Defaults to ``'cpu'``.
        own_batches (bool): Give each config the first batch of its own
            train dataloader (same seed) instead of the first config's, for
            configs whose batches differ in kind, e.g. a supervised step
            against a semi-supervised one (labelled plus unlabelled images
            in weak and strong views). Defaults to False.

    Returns:
        list[dict]: One row per config: ``name``, ``median_s``, ``min_s``,
        ``ratio`` (median over the baseline's median).

    Raises:
        ValueError: For a device that is not there, or a ``synthetic`` run of
            a config without a crop size.
    """
    dev = _check_device(device)
    register_all_modules(init_default_scope=False)
    names = list(cfgs)
    first = cfgs[names[0]]
    init_default_scope(first.get('default_scope', 'mmlabeleff'))
    loader_cfg = copy.deepcopy(first.train_dataloader)
    loader_cfg.update(num_workers=0, persistent_workers=False)
    if batch_size is not None:
        loader_cfg.batch_size = batch_size
    if synthetic:
        if first.model.get('data_preprocessor', {}).get('size') is None:
            raise ValueError(f'--synthetic needs model.data_preprocessor.size (the '
                             f'crop size) in the first config ({names[0]})')
        batch = synthetic_batch(first.model.decode_head.num_classes,
                                first.model.data_preprocessor.size,
                                loader_cfg.batch_size, seed)
    else:
        batch = next(iter(Runner.build_dataloader(loader_cfg, seed=seed)))
    batches = {name: batch for name in names}
    if own_batches and not synthetic:
        for name in names[1:]:
            own = copy.deepcopy(cfgs[name].train_dataloader)
            own.update(num_workers=0, persistent_workers=False)
            init_default_scope(cfgs[name].get('default_scope', 'mmlabeleff'))
            batches[name] = next(iter(Runner.build_dataloader(own,
                                                              seed=seed)))
    steps = {}
    for name in names:
        torch.manual_seed(seed)
        model = _build_model(cfgs[name]).to(dev)
        model.train()
        wrapper = build_optim_wrapper(model,
                                      _optim_wrapper_cfg(cfgs[name], device))
        steps[name] = (model, wrapper)
    times = {name: [] for name in names}
    for round_index in range(warmup + repeats):
        for name in names:
            model, wrapper = steps[name]
            data = copy.deepcopy(batches[name])
            _synchronize(dev)
            start = time.perf_counter()
            model.train_step(data, wrapper)
            _synchronize(dev)
            elapsed = time.perf_counter() - start
            if round_index >= warmup:
                times[name].append(elapsed)
    base = statistics.median(times[names[0]])
    return [dict(name=name, median_s=statistics.median(times[name]),
                 min_s=min(times[name]),
                 ratio=statistics.median(times[name]) / base)
            for name in names]


def lam_training_macs(size: Sequence[int], embed_dims: int, num_classes: int,
                      chunk_size: Optional[int] = None, stride: int = 4) -> int:
    """Multiply-adds of the LAM's matrix products in one training step, per image.

    With ``N`` positions at ``stride``, ``D = embed_dims`` and ``K =
    num_classes`` (see :class:`~mmlabeleff.models.layers.local_aggregation_module.
    _LocalAggregationFunction`): forward ``N^2 D`` (similarities) and ``N^2 K``
    (aggregation); backward ``N^2 K`` twice (``dL/dX`` and ``X^T G``) and
    ``N^2 D`` twice (``dL/df``), plus the similarities again when the map
    needs more than one block of ``chunk_size`` columns. Any exact LAM does
    these products; elementwise passes are not counted.

    Args:
        size (tuple[int, int]): Input (H, W).
        embed_dims (int): D.
        num_classes (int): K.
        chunk_size (int, optional): Columns per block; None for one block.
        stride (int): Input pixels per LAM position. Defaults to 4.

    Returns:
        int: Multiply-adds per image.
    """
    length = (int(size[0]) // stride) * (int(size[1]) // stride)
    similarities = 1 if chunk_size is None or chunk_size >= length else 2
    return length * length * ((similarities + 2) * embed_dims + 3 * num_classes)


def forward_macs(cfg: Config, size: Sequence[int]) -> int:
    """Multiply-adds of one image's forward pass (``mmengine``'s FlopAnalyzer).

    Counts the segmentor's ``_forward`` (backbone and decode head) traced on a
    random ``(1, 3, H, W)`` input. Meant for models without a LAM (its
    custom autograd function is not counted by the tracer).

    Args:
        cfg (Config): The config of the model.
        size (tuple[int, int]): Input (H, W).

    Returns:
        int: Multiply-adds (FlopAnalyzer's "flops" count one per
        multiply-add).
    """
    from mmengine.analysis import FlopAnalyzer

    class _Forward(torch.nn.Module):

        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, inputs):
            return self.model._forward(inputs)

    register_all_modules(init_default_scope=False)
    init_default_scope(cfg.get('default_scope', 'mmlabeleff'))
    model = _build_model(cfg).eval()
    analyzer = FlopAnalyzer(_Forward(model), (torch.randn(1, 3, *size), ))
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    return int(analyzer.total())


def step_ratio_bound(baseline: Config, lam_cfg: Config,
                     size: Sequence[int]) -> dict:
    """The step ratio the LAM's arithmetic alone implies.

    A training step costs about three forward passes (backward: gradients of
    inputs and of weights), so if the LAM's matrix products ran at the
    efficiency of the model's convolutions the ratio would be ``1 +
    lam_training_macs / (3 forward_macs)``; elementwise passes, the scribble
    branch and the losses come on top. An estimate for explaining measured
    ratios, not a measurement.

    Args:
        baseline (Config): The model without the LAM (e.g. partial CE).
        lam_cfg (Config): The model with it (its ``model.decode_head.lam``).
        size (tuple[int, int]): Input (H, W), the crop size.

    Returns:
        dict: ``forward_gmac``, ``lam_train_gmac`` (per image) and ``bound``.
    """
    head = lam_cfg.model.decode_head
    lam = dict(head.get('lam') or {})
    embed_dims = lam.get('embed_dims', head.channels)
    forward = forward_macs(baseline, size)
    lam_macs = lam_training_macs(size, embed_dims, head.num_classes,
                                 lam.get('chunk_size', 2048),
                                 lam.get('patch_size', 4))
    return dict(size=f'{size[0]}x{size[1]}', forward_gmac=forward / 1e9,
                lam_train_gmac=lam_macs / 1e9,
                bound=1.0 + lam_macs / (3.0 * forward))


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


def _train_memory_worker(cfg_text: str, steps: int, seed: int,
                         queue) -> None:
    """Runs in a fresh process: ``steps`` training steps of a config."""
    try:
        register_all_modules(init_default_scope=True)
        cfg = Config.fromstring(cfg_text, file_format='.py')
        loader_cfg = copy.deepcopy(cfg.train_dataloader)
        loader_cfg.update(num_workers=0, persistent_workers=False)
        batch = next(iter(Runner.build_dataloader(loader_cfg, seed=seed)))
        torch.manual_seed(seed)
        model = _build_model(cfg)
        model.train()
        wrapper = build_optim_wrapper(model, _optim_wrapper_cfg(cfg))
        before = _vm_kb('VmRSS')
        start = time.perf_counter()
        for _ in range(steps):
            model.train_step(copy.deepcopy(batch), wrapper)
        queue.put(dict(peak_mb=(_vm_kb('VmHWM') - before) / 1024,
                       seconds=(time.perf_counter() - start) / steps))
    except Exception as error:  # reported, never hangs the parent
        queue.put(dict(error=f'{type(error).__name__}: {error}'))


def train_peak_memory(cfg: Config, steps: int = 2, seed: int = 0,
                      timeout: float = 1800.0) -> dict:
    """Peak memory growth of training steps of a config, in a fresh process.

    The worker builds the model, its optimizer and the first batch of the
    config's train dataloader, then runs ``steps`` ``train_step`` calls; the
    growth of the process's peak resident memory (``VmHWM``) over its
    resident memory just before them is the memory a step needs on top of
    the weights and the data (activations, gradients, optimizer state).

    Args:
        cfg (Config): The config.
        steps (int): Training steps. Defaults to 2 (the first allocates the
            optimizer's momentum).
        seed (int): Seed of the batch and the weights.
        timeout (float): Seconds before the worker is killed.

    Returns:
        dict: ``peak_mb`` and ``seconds`` (per step), or ``error``.
    """
    ctx = mp.get_context('spawn')
    queue = ctx.Queue()
    proc = ctx.Process(target=_train_memory_worker,
                       args=(cfg.pretty_text, steps, seed, queue))
    proc.start()
    proc.join(timeout)
    if proc.is_alive():
        proc.kill()
        proc.join()
        return dict(error=f'timed out after {timeout:.0f} s')
    if queue.empty():
        return dict(error=f'worker died (exit code {proc.exitcode})')
    return queue.get()


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


def format_bound_table(row: dict) -> str:
    """Markdown table of a :func:`step_ratio_bound` result."""
    return '\n'.join([
        '| crop | baseline forward GMAC / image | LAM training GMAC / image | '
        'ratio from arithmetic |', '|---|---:|---:|---:|',
        f"| {row['size']} | {row['forward_gmac']:.2f} | "
        f"{row['lam_train_gmac']:.2f} | {row['bound']:.2f}x |"])


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
