"""Benchmark the compiled ops against the tools people use today.

Runs side by side in one process and prints time ratios, label agreement and
maximum differences:

* ``dense_crf`` (mmlabeleff._ext) against pydensecrf2 on the same images,
  unaries and parameters: one 500x375 image with one thread, and a batch of 8
  images with 2 threads against pydensecrf2 looping over them;
* ``random_walk`` (mmlabeleff._ext) against its pure-PyTorch reference.

Differences: dense_crf, the largest absolute difference of the marginals;
random_walk, the relative error ``||ours - ref|| / ||ref||`` (float32; the
float64 error is printed too).

Images are CamVid photos (``--camvid``, default ``data/camvid``; its masks give
a realistic 21-channel unary: the true class gets a bonus over smooth random
logits) resized to 500x375, or TextureScenes images when CamVid is absent.
Timings are medians over ``--repeats`` runs after one warm-up run.

Example::

    python tools/analysis_tools/benchmark_ops.py            # all benchmarks
    python tools/analysis_tools/benchmark_ops.py --out work_dirs/bench_ops.json
"""
import argparse
import glob
import os
import os.path as osp
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from mmlabeleff.ops import (
    affinity_from_features,
    dense_crf,
    get_ext_function,
    random_walk,
    random_walk_reference,
)
from mmlabeleff.utils.atomic_io import dump_json_atomic

WIDTH, HEIGHT, CLASSES = 500, 375, 21
PRESETS = {
    # name: (gaussian sxy, gaussian compat, bilateral sxy, srgb, compat, iters)
    'pydensecrf default': (3, 3, 80, 13, 10, 10),
    'SPML preset': (1, 3, 67, 3, 4, 10),
    'BLPSeg preset (1 iteration)': (3, 3, 32, 13, 10, 1),
}


def parse_args():
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--camvid', default='data/camvid',
                        help='CamVid root (images under train/, masks trainannot/)')
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--size', type=int, nargs=2, default=[500, 375],
                        metavar=('W', 'H'), help='dense_crf image size')
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--threads', type=int, default=2,
                        help='threads for the batched dense_crf run')
    parser.add_argument('--skip-crf', action='store_true')
    parser.add_argument('--skip-random-walk', action='store_true')
    parser.add_argument('--out', help='also write the results to this JSON file')
    return parser.parse_args()


def load_images(camvid, count, seed=0):
    """``count`` (image uint8 HxWx3, unary float32 CxHxW) pairs of the size
    in ``WIDTH`` / ``HEIGHT``."""
    rng = np.random.default_rng(seed)
    files = sorted(glob.glob(osp.join(camvid, 'train', '*.png')))
    pairs = []
    if files:
        for f in files[:count]:
            img = Image.open(f).convert('RGB').resize((WIDTH, HEIGHT), Image.BILINEAR)
            mask_file = osp.join(camvid, 'trainannot', osp.basename(f))
            mask = None
            if osp.exists(mask_file):
                mask = np.array(Image.open(mask_file).resize((WIDTH, HEIGHT),
                                                             Image.NEAREST))
            pairs.append((np.array(img), _unary(rng, mask)))
        source = f'CamVid ({camvid})'
    else:
        from mmlabeleff.datasets.generators import load_textures, render_scene
        textures, _ = load_textures()
        for _ in range(count):
            img, mask = render_scene(rng, textures, (HEIGHT, WIDTH))
            pairs.append((np.ascontiguousarray(img), _unary(rng, mask)))
        source = 'TextureScenes (CamVid not found)'
    return pairs, source


def _unary(rng, mask):
    """Softmax of smooth random logits, +2.5 on the true class where known."""
    low = rng.normal(size=(1, CLASSES, HEIGHT // 25 + 2, WIDTH // 25 + 2)) * 2.0
    logits = F.interpolate(torch.from_numpy(low).float(), size=(HEIGHT, WIDTH),
                           mode='bilinear', align_corners=False)[0]
    if mask is not None:
        valid = torch.from_numpy(mask.astype(np.int64)) < CLASSES
        labels = torch.from_numpy(mask.astype(np.int64)).clamp(max=CLASSES - 1)
        bonus = F.one_hot(labels, CLASSES).permute(2, 0, 1).float() * 2.5
        logits += bonus * valid
    return logits.softmax(0).numpy()


def timed(fn, repeats):
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


def pydensecrf_run(dcrf, img, prob, preset):
    """pydensecrf2 marginals (K, H, W) of one image for a :data:`PRESETS`
    entry."""
    gs, gc, bs, br, bc, iters = preset
    model = dcrf.DenseCRF2D(img.shape[1], img.shape[0], prob.shape[0])
    model.setUnaryEnergy(np.ascontiguousarray(
        -np.log(np.clip(prob, 1e-5, 1.0)).reshape(prob.shape[0], -1)))
    model.addPairwiseGaussian(sxy=gs, compat=gc)
    model.addPairwiseBilateral(sxy=bs, srgb=br, rgbim=img, compat=bc)
    return np.array(model.inference(iters)).reshape(prob.shape)


def ours_run(unary, images, preset):
    """mmlabeleff's ``dense_crf`` on a batch for a :data:`PRESETS` entry."""
    gs, gc, bs, br, bc, iters = preset
    return dense_crf(unary, images, gaussian_sxy=gs, gaussian_compat=gc,
                     bilateral_sxy=bs, bilateral_srgb=br, bilateral_compat=bc,
                     num_iters=iters)


def bench_dense_crf(args, rows):
    """Time ``dense_crf`` against pydensecrf2; append the results to rows."""
    try:
        import pydensecrf.densecrf as dcrf
    except ImportError:
        sys.exit('pydensecrf2 is not installed: '
                 'pip install -r requirements/optional.txt')
    pairs, source = load_images(args.camvid, args.batch)
    print(f'dense_crf: {len(pairs)} images of {WIDTH}x{HEIGHT} from {source}, '
          f'{CLASSES} labels')
    images = torch.stack([torch.from_numpy(i).permute(2, 0, 1) for i, _ in pairs])
    unary = torch.stack([torch.from_numpy(u) for _, u in pairs])
    for name, preset in PRESETS.items():
        # one image, one thread
        torch.set_num_threads(1)
        img0, prob0 = pairs[0]
        t_ref, q_ref = timed(lambda: pydensecrf_run(dcrf, img0, prob0, preset),
                             args.repeats)
        t_ours, q_ours = timed(lambda: ours_run(unary[:1], images[:1], preset),
                               args.repeats)
        q_ours = q_ours[0].numpy()
        rows.append(dict(
            op='dense_crf', case=f'{name}: 1 image, 1 thread',
            baseline='pydensecrf2', t_baseline=t_ref, t_ours=t_ours,
            speedup=t_ref / t_ours,
            agreement=float((q_ref.argmax(0) == q_ours.argmax(0)).mean()),
            max_diff=float(np.abs(q_ref - q_ours).max())))
        # a batch, several threads, against pydensecrf2 looping over it
        t_ref, q_ref = timed(
            lambda: [pydensecrf_run(dcrf, i, u, preset) for i, u in pairs],
            max(1, args.repeats // 2))
        torch.set_num_threads(args.threads)
        t_ours, q_ours = timed(lambda: ours_run(unary, images, preset),
                               max(1, args.repeats // 2))
        q_ref = np.stack(q_ref)
        q_ours = q_ours.numpy()
        rows.append(dict(
            op='dense_crf',
            case=f'{name}: batch of {len(pairs)}, {args.threads} threads',
            baseline='pydensecrf2 loop', t_baseline=t_ref, t_ours=t_ours,
            speedup=t_ref / t_ours,
            agreement=float((q_ref.argmax(1) == q_ours.argmax(1)).mean()),
            max_diff=float(np.abs(q_ref - q_ours).max())))


def bench_random_walk(args, rows):
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
                                                         beta, log_t), args.repeats)
        t_ours, out = timed(lambda: random_walk(scores, affinity, radius, beta, log_t),
                            args.repeats)
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


def main():
    """Run the benchmarks, print a Markdown table, optionally save JSON."""
    global WIDTH, HEIGHT
    args = parse_args()
    WIDTH, HEIGHT = args.size
    for name in ('dense_crf_forward', 'random_walk_forward'):
        if get_ext_function(name) is None:
            sys.exit(f'mmlabeleff._ext lacks {name}: build it first '
                     '(pip install -e . --no-build-isolation --no-deps)')
    rows = []
    if not args.skip_crf:
        bench_dense_crf(args, rows)
    if not args.skip_random_walk:
        bench_random_walk(args, rows)
    print()
    print('| op | case | baseline | baseline s | ours s | speed-up | '
          'argmax agreement | difference |')
    print('|---|---|---|---|---|---|---|---|')
    for r in rows:
        kind = 'rel ' if r['op'] == 'random_walk' else 'abs '
        diff = kind + f"{r['max_diff']:.1e}"
        print(f"| {r['op']} | {r['case']} | {r['baseline']} | {r['t_baseline']:.3f} | "
              f"{r['t_ours']:.3f} | {r['speedup']:.2f}x | "
              f"{100 * r['agreement']:.3f}% | {diff} |")
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        dump_json_atomic(args.out, rows, indent=2)
        print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
