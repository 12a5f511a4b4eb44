"""Compiled ops (``mmlabeleff._ext``) with their pure-PyTorch references."""
from .affinity import affinity_from_boundary, affinity_from_features
from .bilateral_filter import (
    BilateralFilter,
    BilateralFilterFunction,
    bilateral_filter,
    bilateral_filter_reference,
)
from .dense_crf import DenseCRF, DenseCRFFunction, dense_crf, dense_crf_reference
from .ext_loader import ext_is_compiled_with_cuda, get_ext_function
from .permutohedral import PermutohedralLattice
from .random_walk import (
    MAX_LOG_T,
    RandomWalk,
    RandomWalkFunction,
    get_neighbor_offsets,
    random_walk,
    random_walk_reference,
)

__all__ = [
    'dense_crf', 'dense_crf_reference', 'DenseCRF', 'DenseCRFFunction',
    'bilateral_filter', 'bilateral_filter_reference', 'BilateralFilter',
    'BilateralFilterFunction', 'PermutohedralLattice', 'MAX_LOG_T',
    'ext_is_compiled_with_cuda', 'get_ext_function', 'get_neighbor_offsets',
    'random_walk', 'random_walk_reference', 'RandomWalkFunction', 'RandomWalk',
    'affinity_from_features', 'affinity_from_boundary'
]
