"""Visualizers of mmlabeleff, registered in
:data:`mmlabeleff.registry.VISUALIZERS`."""
from .pseudo_label_visualizer import PseudoLabelVisualizer
from .utils import (
    LABEL_TYPES,
    build_visualizer_for,
    iter_packed_samples,
    iter_packed_views,
    label_types_of,
    packed_inputs_to_rgb,
    sparse_display_map,
)
from .weak_seg_local_visualizer import WeakSegLocalVisualizer

__all__ = [
    'WeakSegLocalVisualizer', 'PseudoLabelVisualizer', 'LABEL_TYPES', 'label_types_of',
    'sparse_display_map', 'packed_inputs_to_rgb', 'iter_packed_samples',
    'iter_packed_views', 'build_visualizer_for'
]
