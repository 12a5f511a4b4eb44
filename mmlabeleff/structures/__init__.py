"""The label convention of mmlabeleff (see :mod:`.label_convention`), the
weak-label simulator, label statistics (coverage, median-frequency class
weights) and the ScribbleSup / mask-point converters' logic."""
from .cam_dump import (
    CAM_DUMP_KEYS,
    cached_label_png,
    cam_seed,
    confident_labels,
    dump_path,
    load_cam_dump,
    load_label_png,
    save_cam_dump,
)
from .cam_pseudo_labels import cam_box_labels, cam_tag_labels
from .class_weights import (
    CLASS_WEIGHT_DENOMINATORS,
    class_weights_from_folder,
    count_class_frequencies,
    list_label_files,
    median_frequency_weights,
)
from .label_convention import (
    DOMAINS,
    IGNORE_INDEX,
    MAX_NUM_CLASSES,
    SPARSE_SUPERVISION_TYPES,
    SUPERVISION_TYPES,
    UNLABELED_INDEX,
    check_label_map,
    image_labels_from_instances,
    image_labels_from_map,
)
from .weak_label_simulation import (
    SPLIT_DATASETS,
    WEAK_LABEL_TYPES,
    list_folder_samples,
    list_split_samples,
    load_dense_mask,
    simulate_weak_labels,
    simulate_weak_sample,
    weak_label_outputs,
)
from .weak_label_simulator import WeakLabelSimulator
from .weak_label_stats import (
    aggregate_weak_label_stats,
    format_percent,
    label_coverage,
    render_stats_markdown,
)

__all__ = [
    'IGNORE_INDEX', 'UNLABELED_INDEX', 'MAX_NUM_CLASSES', 'SUPERVISION_TYPES',
    'SPARSE_SUPERVISION_TYPES', 'DOMAINS', 'image_labels_from_map',
    'image_labels_from_instances', 'check_label_map', 'WeakLabelSimulator',
    'WEAK_LABEL_TYPES', 'SPLIT_DATASETS', 'list_split_samples',
    'list_folder_samples',
    'load_dense_mask', 'weak_label_outputs', 'simulate_weak_sample',
    'simulate_weak_labels', 'label_coverage', 'aggregate_weak_label_stats',
    'render_stats_markdown', 'format_percent', 'CLASS_WEIGHT_DENOMINATORS',
    'count_class_frequencies', 'median_frequency_weights', 'list_label_files',
    'class_weights_from_folder', 'CAM_DUMP_KEYS', 'cam_seed', 'confident_labels',
    'cached_label_png',
    'dump_path',
    'load_cam_dump', 'load_label_png', 'save_cam_dump', 'cam_tag_labels',
    'cam_box_labels'
]
