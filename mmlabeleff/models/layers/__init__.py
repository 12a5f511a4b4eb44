"""Building blocks of mmlabeleff's heads (not registered: used by heads)."""
from .local_aggregation_module import (
    LocalAggregationModule,
    local_aggregation,
    local_aggregation_reference,
    pixel_coordinates,
)

__all__ = ['LocalAggregationModule', 'local_aggregation',
           'local_aggregation_reference', 'pixel_coordinates']
