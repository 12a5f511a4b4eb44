"""One training set in which every image carries its own label type."""
import copy
from typing import Dict, List, Sequence, Union

import numpy as np
from mmengine.dataset import BaseDataset

from mmlabeleff.registry import DATASETS
from mmlabeleff.structures import SUPERVISION_TYPES

__all__ = ['MixedSupervisionDataset', 'assign_supervision']


def assign_supervision(num_images: int, fractions: Dict[str, float],
                       seed: int = 0) -> List[str]:
    """Give each image one label type, in the given proportions, seeded.

    The images are shuffled with ``numpy.random.default_rng(seed)`` and cut
    into consecutive blocks of ``round(fraction * n)`` images in the order of
    ``fractions`` (the last type takes the remainder, so every image gets
    exactly one type).

    Args:
        num_images (int): n.
        fractions (dict[str, float]): Supervision -> share, summing to 1.
        seed (int): The shuffle's seed. Defaults to 0.

    Returns:
        list[str]: The supervision of image 0..n-1.

    Raises:
        ValueError: Unknown supervision, negative shares, or shares that do
            not sum to 1.
    """
    if not fractions:
        raise ValueError('fractions must name at least one supervision')
    unknown = set(fractions) - set(SUPERVISION_TYPES)
    if unknown:
        raise ValueError(f'unknown supervision {sorted(unknown)} (one of '
                         f'{SUPERVISION_TYPES})')
    if any(f < 0 for f in fractions.values()) or abs(
            sum(fractions.values()) - 1.0) > 1e-6:
        raise ValueError(f'fractions must be >= 0 and sum to 1, got {fractions}')
    order = np.random.default_rng(seed).permutation(num_images)
    kinds = [''] * num_images
    start = 0
    names = list(fractions)
    for index, name in enumerate(names):
        count = (num_images - start if index == len(names) - 1 else
                 min(int(round(fractions[name] * num_images)),
                     num_images - start))
        for image in order[start:start + count]:
            kinds[int(image)] = name
        start += count
    return kinds


@DATASETS.register_module()
class MixedSupervisionDataset(BaseDataset):
    """Images of one split, each with the labels of its own supervision.

    Builds one dataset per supervision over the same images (the same split
    file; every other argument per type, e.g. ``weak_label``), gives every
    image one type with :func:`assign_supervision` and serves image ``i``
    from the dataset of its type, so each sample's
    ``metainfo['supervision']`` says which of its labels it carries (the
    mixed-supervision router of :class:`~mmlabeleff.models.SPMLHead` reads
    it), and one batch holds several label types. (The SPML paper trains on
    one label type at a time; mixing them is mmlabeleff's.)

    Args:
        datasets (dict[str, dict]): Supervision -> dataset config (its
            ``supervision`` is set from the key). All must list the same
            images in the same order.
        fractions (dict[str, float]): Supervision -> share of the images,
            summing to 1; keys must be those of ``datasets``.
        seed (int): Seed of the assignment. Defaults to 0.
        lazy_init (bool): Defer building the datasets. Defaults to False.

    Raises:
        ValueError: Keys of ``datasets`` and ``fractions`` differ, or the
            datasets list different images (the message names the first).
    """

    def __init__(self,
                 datasets: Dict[str, Union[dict, BaseDataset]],
                 fractions: Dict[str, float],
                 seed: int = 0,
                 lazy_init: bool = False) -> None:
        if set(datasets) != set(fractions):
            raise ValueError(f'datasets {sorted(datasets)} and fractions '
                             f'{sorted(fractions)} must name the same '
                             'supervision types')
        self._dataset_cfgs = {k: copy.deepcopy(v) for k, v in datasets.items()}
        self.fractions = dict(fractions)
        self.seed = seed
        self.datasets: Dict[str, BaseDataset] = {}
        self.supervisions: List[str] = []
        self._metainfo = {}
        self._fully_initialized = False
        assign_supervision(1, self.fractions)  # check the fractions early
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self) -> dict:
        """The metainfo of the first dataset (all share one class list)."""
        return copy.deepcopy(self._metainfo)

    def full_init(self) -> None:
        """Build the datasets, check their images and assign the types."""
        if self._fully_initialized:
            return
        for kind, cfg in self._dataset_cfgs.items():
            if isinstance(cfg, dict):
                cfg = dict(cfg, supervision=kind)
                self.datasets[kind] = DATASETS.build(cfg)
            else:
                self.datasets[kind] = cfg
        first = next(iter(self.datasets.values()))
        paths = [first.get_data_info(i)['img_path'] for i in range(len(first))]
        for kind, dataset in self.datasets.items():
            if len(dataset) != len(paths):
                raise ValueError(f'MixedSupervisionDataset: the {kind} dataset '
                                 f'has {len(dataset)} images, not {len(paths)}')
            for i, path in enumerate(paths):
                other = dataset.get_data_info(i)['img_path']
                if other != path:
                    raise ValueError(f'MixedSupervisionDataset: image {i} is '
                                     f'{path} in one dataset and {other} in the '
                                     f'{kind} dataset')
        self._metainfo = first.metainfo
        self.supervisions = assign_supervision(len(paths), self.fractions,
                                               self.seed)
        self._fully_initialized = True

    def __len__(self) -> int:
        self.full_init()
        return len(self.supervisions)

    def get_data_info(self, idx: int) -> dict:
        """The data info of image ``idx`` from its type's dataset."""
        self.full_init()
        return self.datasets[self.supervisions[idx]].get_data_info(idx)

    def __getitem__(self, idx: int) -> dict:
        self.full_init()
        return self.datasets[self.supervisions[idx]][idx]

    def counts(self) -> Dict[str, int]:
        """Images per supervision."""
        self.full_init()
        return {k: self.supervisions.count(k) for k in self.fractions}

    def indices_of(self, supervision: str) -> Sequence[int]:
        """Indices of the images of one supervision."""
        self.full_init()
        return [i for i, k in enumerate(self.supervisions) if k == supervision]
