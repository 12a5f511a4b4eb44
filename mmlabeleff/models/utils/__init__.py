"""Helpers shared by mmlabeleff's heads and segmentors (not registered)."""
from .dist_gather import all_gather_cat, is_distributed
from .segsort import (
                      cluster_image,
                      grid_cluster_labels,
                      location_features,
                      majority_labels,
                      normalize_embedding,
                      retrieval_votes,
                      segment_pixels,
                      segment_prototypes,
                      spherical_kmeans,
)
from .training_labels import image_class_mask, stack_training_labels

__all__ = [
    'image_class_mask', 'stack_training_labels', 'all_gather_cat',
    'is_distributed', 'grid_cluster_labels', 'location_features',
    'normalize_embedding', 'segment_pixels', 'segment_prototypes',
    'spherical_kmeans', 'cluster_image', 'majority_labels', 'retrieval_votes'
]
