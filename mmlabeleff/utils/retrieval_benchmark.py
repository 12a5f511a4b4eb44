"""Cost and agreement of SPML's retrieval with k-means at two resolutions.

SPML's nearest-neighbour retrieval (Algorithm 2) clusters each view's
embedding by k-means. The public code clusters the embedding upsampled to
the (scaled) image (``cluster_at='input'``); on CPU the MSRC-21 configs
cluster the head's stride-4 map (``'embedding'``). This module times both on
the same images and memory and says how often their labels agree.
"""
import time
from typing import Dict, List, Sequence

import torch

__all__ = ['benchmark_retrieval', 'format_retrieval_table']


@torch.no_grad()
def benchmark_retrieval(model, batches: Sequence[dict],
                        modes: Sequence[str] = ('input', 'embedding')) -> List[Dict]:
    """Build the memory and retrieve every image once per ``cluster_at`` mode.

    The memory holds the images' own segments labelled by their
    ``gt_sem_seg`` (the masks, or whatever the pipeline loads), so both modes
    search memories of the same images.

    Args:
        model: An :class:`~mmlabeleff.models.segmentors.SPML` with
            ``test_cfg.retrieval``, in eval mode.
        batches (Sequence[dict]): Data of a loader with batch size 1.
        modes (Sequence[str]): ``cluster_at`` values; the first is the
            reference of the ratios and the agreement.

    Returns:
        list[dict]: Per mode ``mode``, ``memory_s`` and ``retrieve_s`` (mean
        seconds per image), ``ratio`` (retrieval time over the first mode's)
        and ``agreement`` (fraction of pixels whose retrieval label equals
        the first mode's).
    """
    if model.retrieval_cfg is None:
        raise ValueError('the model has no test_cfg.retrieval')
    items = []
    num_classes = model.decode_head.num_classes
    for data in batches:
        data = model.data_preprocessor(data, False)
        inputs = data['inputs']
        sample = data['data_samples'][0]
        if 'gt_sem_seg' not in sample:
            raise ValueError(f'{sample.metainfo.get("img_path")}: the benchmark '
                             'needs gt_sem_seg for the memory labels')
        rows, cols = model.image_region(sample.metainfo, *inputs.shape[2:])
        meta = dict(sample.metainfo, padding_size=[0, 0, 0, 0], walk_tags=model
                    ._known_classes(sample, num_classes))
        meta.pop('img_padding_size', None)
        items.append((inputs[:, :, rows, cols], sample.gt_sem_seg.data[0], meta))
    if not items:
        raise ValueError('no images to benchmark')
    base_cfg = dict(model.retrieval_cfg)
    rows_out, reference = [], None
    try:
        for mode in modes:
            start = time.perf_counter()
            entries = [model.memory_prototypes(img, lab, cluster_at=mode)
                       for img, lab, _ in items]
            memory_s = (time.perf_counter() - start) / len(items)
            model.set_memory_bank(torch.cat([e[0] for e in entries]),
                                  torch.cat([e[1] for e in entries]))
            model.retrieval_cfg = dict(base_cfg, cluster_at=mode)
            start = time.perf_counter()
            labels = [model.retrieve(img, [meta]).argmax(1)
                      for img, _, meta in items]
            retrieve_s = (time.perf_counter() - start) / len(items)
            if reference is None:
                reference = (labels, retrieve_s)
            same = sum(int((a == b).sum()) for a, b in zip(labels, reference[0]))
            total = sum(a.numel() for a in labels)
            rows_out.append(dict(mode=mode, memory_s=memory_s,
                                 retrieve_s=retrieve_s,
                                 ratio=retrieve_s / reference[1],
                                 agreement=same / total))
    finally:
        model.retrieval_cfg = base_cfg
    return rows_out


def format_retrieval_table(rows: Sequence[dict], num_images: int) -> str:
    """A Markdown table of :func:`benchmark_retrieval`'s rows."""
    lines = [f'SPML retrieval, {num_images} images (memory of their own segments)',
             '', '| cluster_at | memory s / image | retrieval s / image | ratio | '
             'labels equal to the first row |', '|---|---:|---:|---:|---:|']
    for row in rows:
        lines.append(f'| {row["mode"]} | {row["memory_s"]:.2f} | '
                     f'{row["retrieve_s"]:.2f} | {row["ratio"]:.2f}x | '
                     f'{100 * row["agreement"]:.1f} % |')
    return '\n'.join(lines)
