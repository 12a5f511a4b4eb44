"""Benchmarks of the compiled ops against the tools people use today.

The logic of ``tools/analysis_tools/benchmark_ops.py``. Every benchmark runs
both sides in the same process, on the same inputs, one after the other, and
appends one row per case to a list:

* ``dense_crf`` (mmlabeleff._ext) against pydensecrf2 on the same images,
  unaries and parameters: one image with one thread, and a batch with several
  threads against pydensecrf2 looping over it (:func:`bench_dense_crf`);
* ``random_walk`` (mmlabeleff._ext) against its pure-PyTorch reference
  (:func:`bench_random_walk`);
* ``bilateral_filter`` (mmlabeleff._ext) against its pure-PyTorch reference
  (:func:`bench_bilateral_filter`) on CamVid photos downscaled to
  segmentation-output sizes, as the rloss dense CRF loss (Tang et al., ECCV
  2018) filters a downscaled softmax: forward, and forward + backward.

A row holds ``op``, ``case``, ``baseline``, ``t_baseline`` and ``t_ours``
(median seconds over the repeats, after one warm-up run), ``speedup``
(``t_baseline / t_ours``), ``agreement`` (fraction of pixels with the same
argmax over channels) and ``max_diff`` (dense_crf: largest absolute
difference of the marginals; random_walk: relative error
``||ours - ref|| / ||ref||``; bilateral_filter: ``max |ours - ref| / max |ref|``).
"""
import glob
import os.path as osp
import statistics
import time
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from mmlabeleff.ops import (
    affinity_from_features,
    bilateral_filter,
    bilateral_filter_reference,
    dense_crf,
    get_ext_function,
    random_walk,
    random_walk_reference,
)

__all__ = [
    'PRESETS', 'BILATERAL_CASES', 'missing_kernels', 'timed', 'load_images',
    'load_camvid', 'bench_dense_crf', 'bench_random_walk',
    'bench_bilateral_filter', 'format_table'
]

CLASSES = 21
PRESETS = {
    # name: (gaussian sxy, gaussian compat, bilateral sxy, srgb, compat, iters)
    'pydensecrf default': (3, 3, 80, 13, 10, 10),
    'SPML preset': (1, 3, 67, 3, 4, 10),
    'BLPSeg preset (1 iteration)': (3, 3, 32, 13, 10, 1),
}

#: bilateral_filter cases: ((N, C, H, W), sxy, srgb, description). rloss uses
#: sigma_rgb 15 and sigma_xy 100 times the downscale factor of the output it
#: filters: 12.5 at 1/8 (an output-stride-8 map of a CamVid image, 47x63),
#: 25 at 1/4 (an 88x88 map of a 352x352 crop).
BILATERAL_CASES = [
    ((1, CLASSES, 47, 63), 12.5, 15.0, 'CamVid at 1/8'),
    ((8, CLASSES, 88, 88), 25.0, 15.0, 'CamVid crops at 1/4'),
]

KERNELS = ('dense_crf_forward', 'random_walk_forward', 'bilateral_filter_forward')


def missing_kernels(names: Sequence[str] = KERNELS) -> List[str]:
    """The compiled functions among ``names`` that ``mmlabeleff._ext`` lacks."""
    return [name for name in names if get_ext_function(name) is None]


def timed(fn: Callable, repeats: int) -> Tuple[float, object]:
    """Median seconds of ``repeats`` calls of ``fn`` after one warm-up call,
    and the last call's result."""
    fn()  # warm-up
    times = []
    out = None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def _unary(rng: np.random.Generator, mask: Optional[np.ndarray], height: int,
           width: int) -> np.ndarray:
    """Softmax (C, H, W) of smooth random logits, +2.5 on the true class where
    the label mask is known."""
    low = rng.normal(size=(1, CLASSES, height // 25 + 2, width // 25 + 2)) * 2.0
    logits = F.interpolate(torch.from_numpy(low).float(), size=(height, width),
                           mode='bilinear', align_corners=False)[0]
    if mask is not None:
        valid = torch.from_numpy(mask.astype(np.int64)) < CLASSES
        labels = torch.from_numpy(mask.astype(np.int64)).clamp(max=CLASSES - 1)
        bonus = F.one_hot(labels, CLASSES).permute(2, 0, 1).float() * 2.5
        logits += bonus * valid
    return logits.softmax(0).numpy()


def load_camvid(camvid: str, count: int, size: Tuple[int, int],
                seed: int = 0) -> Optional[list]:
    """``count`` (image uint8 HxWx3, unary float32 CxHxW) pairs from CamVid.

    Images are ``camvid/train/*.png`` (sorted, repeated when fewer than
    ``count``) resized to ``size = (W, H)``; the masks of ``trainannot/`` give
    the unary its true-class bonus. Returns None when there is no image.
    """
    files = sorted(glob.glob(osp.join(camvid, 'train', '*.png')))
    if not files:
        return None
    rng = np.random.default_rng(seed)
    width, height = size
    pairs = []
    for i in range(count):
        f = files[i % len(files)]
        img = Image.open(f).convert('RGB').resize((width, height), Image.BILINEAR)
        mask_file = osp.join(camvid, 'trainannot', osp.basename(f))
        mask = None
        if osp.exists(mask_file):
            mask = np.array(Image.open(mask_file).resize((width, height),
                                                         Image.NEAREST))
        pairs.append((np.array(img), _unary(rng, mask, height, width)))
    return pairs


def load_images(camvid: str, count: int, size: Tuple[int, int],
                seed: int = 0) -> Tuple[list, str]:
    """CamVid pairs (:func:`load_camvid`), or TextureScenes images when CamVid
    is absent; returns the pairs and a description of their source."""
    pairs = load_camvid(camvid, count, size, seed)
    if pairs is not None:
        return pairs, f'CamVid ({camvid})'
    from mmlabeleff.datasets.generators import load_textures, render_scene
    rng = np.random.default_rng(seed)
    width, height = size
    textures, _ = load_textures()
    pairs = []
    for _ in range(count):
        img, mask = render_scene(rng, textures, (height, width))
        pairs.append((np.ascontiguousarray(img), _unary(rng, mask, height, width)))
    return pairs, 'TextureScenes (CamVid not found)'


def _pydensecrf_run(dcrf, img, prob, preset):
    """pydensecrf2 marginals (K, H, W) of one image for a :data:`PRESETS`
    entry."""
    gs, gc, bs, br, bc, iters = preset
    model = dcrf.DenseCRF2D(img.shape[1], img.shape[0], prob.shape[0])
    model.setUnaryEnergy(np.ascontiguousarray(
        -np.log(np.clip(prob, 1e-5, 1.0)).reshape(prob.shape[0], -1)))
    model.addPairwiseGaussian(sxy=gs, compat=gc)
    model.addPairwiseBilateral(sxy=bs, srgb=br, rgbim=img, compat=bc)
    return np.array(model.inference(iters)).reshape(prob.shape)


def _ours_run(unary, images, preset):
    """mmlabeleff's ``dense_crf`` on a batch for a :data:`PRESETS` entry."""
    gs, gc, bs, br, bc, iters = preset
    return dense_crf(unary, images, gaussian_sxy=gs, gaussian_compat=gc,
                     bilateral_sxy=bs, bilateral_srgb=br, bilateral_compat=bc,
                     num_iters=iters)


def bench_dense_crf(camvid: str, batch: int, size: Tuple[int, int], repeats: int,
                    threads: int, rows: list) -> None:
    """Time ``dense_crf`` against pydensecrf2; append the results to rows.

    Raises:
        ImportError: When pydensecrf2 is not installed.
    """
    import pydensecrf.densecrf as dcrf
    pairs, source = load_images(camvid, batch, size)
    print(f'dense_crf: {len(pairs)} images of {size[0]}x{size[1]} from {source}, '
          f'{CLASSES} labels')
    images = torch.stack([torch.from_numpy(i).permute(2, 0, 1) for i, _ in pairs])
    unary = torch.stack([torch.from_numpy(u) for _, u in pairs])
    for name, preset in PRESETS.items():
        # one image, one thread
        torch.set_num_threads(1)
        img0, prob0 = pairs[0]
        t_ref, q_ref = timed(lambda: _pydensecrf_run(dcrf, img0, prob0, preset),
                             repeats)
        t_ours, q_ours = timed(lambda: _ours_run(unary[:1], images[:1], preset),
                               repeats)
        q_ours = q_ours[0].numpy()
        rows.append(dict(
            op='dense_crf', case=f'{name}: 1 image, 1 thread',
            baseline='pydensecrf2', t_baseline=t_ref, t_ours=t_ours,
            speedup=t_ref / t_ours,
            agreement=float((q_ref.argmax(0) == q_ours.argmax(0)).mean()),
            max_diff=float(np.abs(q_ref - q_ours).max())))
        # a batch, several threads, against pydensecrf2 looping over it
        t_ref, q_ref = timed(
            lambda: [_pydensecrf_run(dcrf, i, u, preset) for i, u in pairs],
            max(1, repeats // 2))
        torch.set_num_threads(threads)
        t_ours, q_ours = timed(lambda: _ours_run(unary, images, preset),
                               max(1, repeats // 2))
        q_ref = np.stack(q_ref)
        q_ours = q_ours.numpy()
        rows.append(dict(
            op='dense_crf',
            case=f'{name}: batch of {len(pairs)}, {threads} threads',
            baseline='pydensecrf2 loop', t_baseline=t_ref, t_ours=t_ours,
            speedup=t_ref / t_ours,
            agreement=float((q_ref.argmax(1) == q_ours.argmax(1)).mean()),
            max_diff=float(np.abs(q_ref - q_ours).max())))


def bench_random_walk(repeats: int, rows: list) -> None:
    """Time ``random_walk`` against its PyTorch reference; append to rows."""
    torch.set_num_threads(1)
    g = torch.Generator().manual_seed(0)
    for (h, w), radius, beta, log_t in [((47, 63), 5, 10.0, 6), ((94, 125), 5, 10.0, 6),
                                        ((47, 63), 5, 10.0, 8)]:
        feats = torch.randn(1, 16, h, w, generator=g)
        feats = F.avg_pool2d(feats, 5, stride=1, padding=2)
        affinity = affinity_from_features(feats, radius, mode='cosine')
        scores = torch.rand(1, CLASSES, h, w, generator=g)
        t_ref, ref = timed(lambda: random_walk_reference(scores, affinity, radius,
                                                         beta, log_t), repeats)
        t_ours, out = timed(lambda: random_walk(scores, affinity, radius, beta, log_t),
                            repeats)
        rel = float((out - ref).norm() / ref.norm())
        rows.append(dict(
            op='random_walk', case=f'({CLASSES}, {h}, {w}), r={radius}, '
            f'beta={beta:g}, 2^{log_t} steps, 1 thread',
            baseline='PyTorch reference', t_baseline=t_ref, t_ours=t_ours,
            speedup=t_ref / t_ours,
            agreement=float((out.argmax(1) == ref.argmax(1)).float().mean()),
            max_diff=rel))
        # float64: the same operator up to rounding, whatever the order of sums
        ref64 = random_walk_reference(scores.double(), affinity.double(), radius,
                                      beta, log_t)
        out64 = random_walk(scores.double(), affinity.double(), radius, beta, log_t)
        print(f'random_walk {h}x{w} 2^{log_t} steps: relative error float32 '
              f'{rel:.1e}, float64 {float((out64 - ref64).norm() / ref64.norm()):.1e}'
              f'; float32 reference vs float64 '
              f'{float((ref.double() - ref64).norm() / ref64.norm()):.1e}')


def _forward_backward(fn, x, image, sxy, srgb, grad):
    """Forward and backward of a bilateral filter; returns the gradient."""
    leaf = x.detach().requires_grad_(True)
    fn(leaf, image, sxy, srgb).backward(grad)
    return leaf.grad


def bench_bilateral_filter(camvid: str, repeats: int, threads: int,
                           rows: list) -> None:
    """Time ``bilateral_filter`` against its PyTorch reference on CamVid.

    For every case of :data:`BILATERAL_CASES`: CamVid train images resized
    to the case's size, the unary of :func:`load_camvid` as the values
    (a softmax, as the rloss loss filters), the forward filter and the
    forward + backward pass (``.backward`` of a random gradient), 1 thread
    for a single image and ``threads`` for a batch, both sides alike. Skips,
    with a message, when CamVid is absent.
    """
    files = glob.glob(osp.join(camvid, 'train', '*.png'))
    if not files:
        print(f'bilateral_filter: no CamVid images under {camvid}/train; skipped')
        return
    for (n, c, h, w), sxy, srgb, what in BILATERAL_CASES:
        pairs = load_camvid(camvid, n, (w, h), seed=1)
        images = torch.stack([torch.from_numpy(i).permute(2, 0, 1) for i, _ in pairs])
        x = torch.stack([torch.from_numpy(u) for _, u in pairs])[:, :c].contiguous()
        grad = torch.randn(x.shape, generator=torch.Generator().manual_seed(0))
        nthreads = 1 if n == 1 else threads
        torch.set_num_threads(nthreads)
        desc = (f'({n}, {c}, {h}, {w}) {what}, sxy={sxy:g}, srgb={srgb:g}, '
                f'{nthreads} thread{"s" if nthreads > 1 else ""}')
        for mode in ('forward', 'forward+backward'):
            if mode == 'forward':
                t_ref, ref = timed(lambda: bilateral_filter_reference(
                    x, images, sxy, srgb), repeats)
                t_ours, out = timed(lambda: bilateral_filter(x, images, sxy, srgb),
                                    repeats)
            else:
                t_ref, ref = timed(lambda: _forward_backward(
                    bilateral_filter_reference, x, images, sxy, srgb, grad), repeats)
                t_ours, out = timed(lambda: _forward_backward(
                    bilateral_filter, x, images, sxy, srgb, grad), repeats)
            rows.append(dict(
                op='bilateral_filter', case=f'{desc}, {mode}',
                baseline='PyTorch reference', t_baseline=t_ref, t_ours=t_ours,
                speedup=t_ref / t_ours,
                agreement=float((out.argmax(1) == ref.argmax(1)).float().mean()),
                max_diff=float((out - ref).abs().max() / ref.abs().max())))


def format_table(rows: list) -> str:
    """The rows as a Markdown table (the one docs/ops.md shows)."""
    lines = ['| op | case | baseline | baseline s | ours s | speed-up | '
             'argmax agreement | difference |',
             '|---|---|---|---|---|---|---|---|']
    for r in rows:
        kind = 'abs ' if r['op'] == 'dense_crf' else 'rel '
        diff = kind + f"{r['max_diff']:.1e}"
        lines.append(f"| {r['op']} | {r['case']} | {r['baseline']} | "
                     f"{r['t_baseline']:.4f} | {r['t_ours']:.4f} | "
                     f"{r['speedup']:.2f}x | {100 * r['agreement']:.3f}% | {diff} |")
    return '\n'.join(lines)
