"""Build the memory bank of SPML's nearest-neighbour retrieval before testing."""
import os
import os.path as osp
from typing import Optional, Sequence

import torch
from mmengine.dist import all_gather_object, get_world_size
from mmengine.hooks import Hook
from mmengine.logging import print_log

from mmlabeleff.registry import HOOKS

__all__ = ['MemoryBankHook']


@HOOKS.register_module()
class MemoryBankHook(Hook):
    """Give the model its retrieval memory before the test loop runs.

    SPML's Algorithm 2 (Ke, Hwang and Yu, ICLR 2021; public
    ``pyscripts/inference/prototype_msc.py``, github.com/twke18/SPML, MIT
    licence) labels images by retrieving segment prototypes of the labelled
    training images. Before testing, this hook runs ``dataloader`` (the
    training images with the labels the memory should carry, e.g. the
    CAM-walk pseudo labels as ``gt_sem_seg``), asks the model for each
    image's entries (``model.memory_prototypes``: cluster prototypes at
    ``scales`` with their majority labels) and hands them to
    ``model.set_memory_bank``. With ``cache_file`` the bank is saved
    (atomically) and read back by later runs with the same settings.

    Use it with an :class:`~mmlabeleff.models.segmentors.SPML` model whose
    ``test_cfg`` has ``retrieval``::

        custom_hooks = [dict(type='MemoryBankHook', dataloader=dict(
            batch_size=1, num_workers=2,
            sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=...))]

    Under distributed testing every rank builds the entries of its share of
    the images and the shares are gathered, so all ranks hold the whole
    bank.

    Args:
        dataloader (dict): Config of the loader of the labelled images.
        scales (Sequence[float]): Image scales. Defaults to (0.5, 1, 1.5),
            the public memory setting.
        num_clusters (Sequence[int]): k-means grid. Defaults to (12, 12).
        iterations (int): k-means rounds. Defaults to 10.
        cluster_at (str): ``'input'`` (the public code) or ``'embedding'``
            (the head's resolution), as ``test_cfg.retrieval.cluster_at``.
            Defaults to 'input'.
        cache_file (str, optional): Where the bank is kept between runs.
    """
    priority = 'NORMAL'

    def __init__(self,
                 dataloader: dict,
                 scales: Sequence[float] = (0.5, 1.0, 1.5),
                 num_clusters: Sequence[int] = (12, 12),
                 iterations: int = 10,
                 cluster_at: str = 'input',
                 cache_file: Optional[str] = None) -> None:
        if not isinstance(dataloader, dict) or 'dataset' not in dataloader:
            raise ValueError('MemoryBankHook needs a dataloader config with a '
                             'dataset')
        self.dataloader = dataloader
        self.scales = tuple(float(s) for s in scales)
        self.num_clusters = tuple(int(n) for n in num_clusters)
        self.iterations = int(iterations)
        if (not self.scales or min(self.scales) <= 0 or len(self.num_clusters) != 2
                or min(self.num_clusters) < 1 or self.iterations < 1):
            raise ValueError('MemoryBankHook: scales must be > 0, the grid and '
                             f'iterations >= 1; got scales={self.scales}, '
                             f'num_clusters={self.num_clusters}, '
                             f'iterations={self.iterations}')
        if cluster_at not in ('input', 'embedding'):
            raise ValueError("MemoryBankHook: cluster_at must be 'input' or "
                             f"'embedding', got {cluster_at!r}")
        self.cluster_at = cluster_at
        self.cache_file = cache_file

    @property
    def settings(self) -> dict:
        """What a cached bank must have been built with to be reused."""
        return dict(scales=list(self.scales), num_clusters=list(self.num_clusters),
                    iterations=self.iterations, cluster_at=self.cluster_at)

    def _load_cache(self) -> Optional[tuple]:
        if not self.cache_file or not osp.isfile(self.cache_file):
            return None
        try:
            data = torch.load(self.cache_file, map_location='cpu',
                              weights_only=True)
            prototypes, labels = data['prototypes'], data['labels']
            settings = data['settings']
        except Exception as err:  # noqa: BLE001 - any unreadable file
            raise ValueError(f'{self.cache_file}: not a readable memory bank '
                             f'({err}); delete it to rebuild') from err
        if settings != self.settings:
            print_log(f'MemoryBankHook: {self.cache_file} was built with '
                      f'{settings}, not {self.settings}; rebuilding',
                      logger='current')
            return None
        return prototypes, labels

    def _save_cache(self, prototypes, labels) -> None:
        folder = osp.dirname(osp.abspath(self.cache_file))
        os.makedirs(folder, exist_ok=True)
        tmp = f'{self.cache_file}.tmp{os.getpid()}'
        try:
            torch.save(dict(prototypes=prototypes, labels=labels,
                            settings=self.settings), tmp)
            os.replace(tmp, self.cache_file)
        finally:
            if osp.exists(tmp):
                os.remove(tmp)

    @torch.no_grad()
    def build(self, runner) -> tuple:
        """Run the loader through the model; returns prototypes and labels."""
        model = getattr(runner.model, 'module', runner.model)
        loader = runner.build_dataloader(self.dataloader)
        protos, labels = [], []
        model.eval()
        for index, data in enumerate(loader):
            data = model.data_preprocessor(data, False)
            inputs = data['inputs']
            _, _, height, width = inputs.shape
            for i, sample in enumerate(data['data_samples']):
                path = sample.metainfo.get('img_path')
                if 'gt_sem_seg' not in sample:
                    raise ValueError(f'{path}: MemoryBankHook needs the labels '
                                     'of the memory images as gt_sem_seg')
                rows, cols = model.image_region(sample.metainfo, height, width)
                label = sample.gt_sem_seg.data[0]
                image = inputs[i:i + 1, :, rows, cols]
                if tuple(label.shape) != tuple(image.shape[2:]):
                    raise ValueError(f'{path}: label of size '
                                     f'{tuple(label.shape)} for an image of '
                                     f'size {tuple(image.shape[2:])}')
                p, lab = model.memory_prototypes(image, label.to(inputs.device),
                                                 self.scales, self.num_clusters,
                                                 self.iterations,
                                                 self.cluster_at)
                protos.append(p.cpu())
                labels.append(lab.cpu())
            if (index + 1) % 50 == 0:
                print_log(f'MemoryBankHook: {index + 1} / {len(loader)} '
                          'batches', logger='current')
        if get_world_size() > 1:
            gathered = all_gather_object((protos, labels))
            protos = [p for part in gathered for p in part[0]]
            labels = [lab for part in gathered for lab in part[1]]
        if not protos:
            raise ValueError('MemoryBankHook: the memory dataloader gave no '
                             'images')
        return torch.cat(protos), torch.cat(labels)

    def before_test(self, runner) -> None:
        """Build (or read back) the bank and set it on the model.

        Raises:
            TypeError: The model has no retrieval (not SPML).
            ValueError: A memory image without labels, an unreadable cache.
        """
        model = getattr(runner.model, 'module', runner.model)
        if not hasattr(model, 'set_memory_bank'):
            raise TypeError(f'MemoryBankHook needs a model with a retrieval '
                            f'memory (SPML), got {type(model).__name__}')
        cached = self._load_cache()
        if cached is None:
            prototypes, labels = self.build(runner)
            if self.cache_file and runner.rank == 0:
                self._save_cache(prototypes, labels)
            source = 'built'
        else:
            prototypes, labels = cached
            source = f'read from {self.cache_file}'
        model.set_memory_bank(prototypes, labels)
        counts = torch.bincount(labels, minlength=model.decode_head.num_classes)
        print_log(f'MemoryBankHook: memory of {len(labels)} prototypes '
                  f'({source}); per class {counts.tolist()}', logger='current')
