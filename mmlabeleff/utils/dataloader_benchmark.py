"""Time how fast a config's dataloader delivers images.

The logic of ``tools/analysis_tools/benchmark_data_pipeline.py``: the
``{split}_dataloader`` of a config is built as the Runner builds it
(:meth:`mmengine.runner.Runner.build_dataloader`, seed 0), once per
``num_workers`` value, with ``persistent_workers=False``; the first batches
(worker start-up, file-system caches) are drawn untimed, the next ones are
timed and their images counted.
"""
import copy
import time
from typing import Iterable

from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from .setup_env import register_all_modules

__all__ = ['count_images', 'time_dataloader', 'benchmark_dataloader',
           'format_throughput_table']


def count_images(batch) -> int:
    """Images in a collated batch.

    Args:
        batch: A batch of ``pseudo_collate`` (a dict whose ``inputs`` is a
            list or a stacked tensor, or, with mmdet's ``MultiBranch``, a
            dict of those per branch), or a bare list / tensor.

    Returns:
        int: The number of images (of one branch).
    """
    inputs = batch['inputs'] if isinstance(batch, dict) else batch
    if isinstance(inputs, dict):
        inputs = next(iter(inputs.values()))
    return len(inputs)


def time_dataloader(loader_cfg: dict, num_workers: int, num_batches: int,
                    num_warmup: int) -> dict:
    """Build a dataloader and time ``num_batches`` batches after a warm-up.

    Args:
        loader_cfg (dict): A ``{split}_dataloader`` config (not modified).
        num_workers (int): Worker processes of this run.
        num_batches (int): Batches to time.
        num_warmup (int): Batches to draw first, untimed.

    Returns:
        dict: ``batches``, ``images``, ``seconds`` and ``images_per_s``
        (``batches`` < ``num_batches`` when a finite sampler ran out).
    """
    loader_cfg = copy.deepcopy(loader_cfg)
    loader_cfg.update(num_workers=num_workers, persistent_workers=False)
    loader = Runner.build_dataloader(loader_cfg, seed=0)
    batches = iter(loader)
    try:
        for _ in range(num_warmup):
            next(batches)
        images = count = 0
        start = time.perf_counter()
        for batch in batches:
            images += count_images(batch)
            count += 1
            if count == num_batches:
                break
        seconds = time.perf_counter() - start
    finally:
        del batches  # stops the worker processes
    return dict(batches=count, images=images, seconds=seconds,
                images_per_s=images / seconds if seconds > 0 else 0.0)


def benchmark_dataloader(cfg: Config,
                         split: str = 'train',
                         num_workers: Iterable[int] = (0, 1, 2),
                         num_batches: int = 50,
                         num_warmup: int = 5) -> dict:
    """Time a config's ``{split}_dataloader`` for several ``num_workers``.

    Registers mmlabeleff's modules and sets the config's default scope
    (``'mmlabeleff'`` when absent) first.

    Args:
        cfg (Config): A loaded config.
        split (str): ``'train'``, ``'val'`` or ``'test'``.
        num_workers (Iterable[int]): The values to try, in order.
        num_batches (int): Batches timed per value.
        num_warmup (int): Batches drawn untimed first, per value.

    Returns:
        dict: ``{num_workers: result}`` (see :func:`time_dataloader`).

    Raises:
        KeyError: If the config has no ``{split}_dataloader``.
    """
    register_all_modules(init_default_scope=False)
    init_default_scope(cfg.get('default_scope', 'mmlabeleff'))
    loader_cfg = cfg.get(f'{split}_dataloader')
    if loader_cfg is None:
        raise KeyError(f'the config has no {split}_dataloader')
    return {
        n: time_dataloader(loader_cfg, n, num_batches, num_warmup)
        for n in num_workers
    }


def format_throughput_table(results: dict) -> str:
    """Render ``{num_workers: result}`` as columns, one per value.

    Args:
        results (dict): As returned by :func:`benchmark_dataloader`.

    Returns:
        str: Rows ``num_workers``, ``images/s``, ``batches``, ``images`` and
        ``seconds``, each with one 10-character column per value.
    """
    rows = [('num_workers', lambda n, r: str(n)),
            ('images/s', lambda n, r: f"{r['images_per_s']:.1f}"),
            ('batches', lambda n, r: str(r['batches'])),
            ('images', lambda n, r: str(r['images'])),
            ('seconds', lambda n, r: f"{r['seconds']:.2f}")]
    lines = []
    for title, cell in rows:
        cells = ''.join(f'{cell(n, r):>10s}' for n, r in results.items())
        lines.append(f'{title:<12s}{cells}')
    return '\n'.join(lines)
