import numpy as np
import pytest
import torch

from mmlabeleff.structures import (
    IGNORE_INDEX,
    UNLABELED_INDEX,
    check_label_map,
    image_labels_from_instances,
    image_labels_from_map,
)


def test_unlabeled_and_ignore_differ():
    assert UNLABELED_INDEX != IGNORE_INDEX


def test_tags_from_sparse_map_skip_unlabeled_and_ignore():
    m = np.full((4, 4), UNLABELED_INDEX, np.uint8)
    m[0, 0] = 2
    m[1, 1] = 0
    m[3] = IGNORE_INDEX
    tags = image_labels_from_map(m, num_classes=4)
    assert tags.tolist() == [1.0, 0.0, 1.0, 0.0]
    assert image_labels_from_map(torch.from_numpy(m), 4).equal(tags)


def test_tags_from_instances():
    assert image_labels_from_instances([3, 1, 3], 5).tolist() == [0, 1, 0, 1, 0]
    assert image_labels_from_instances([], 2).tolist() == [0, 0]


def test_check_label_map_names_the_file_and_values():
    m = np.array([[0, 1], [UNLABELED_INDEX, IGNORE_INDEX]], np.uint8)
    check_label_map(m, 2, 'a.png', sparse=True)
    with pytest.raises(ValueError, match=r'a.png: class ids \[254\]'):
        check_label_map(m, 2, 'a.png', sparse=False)
    with pytest.raises(ValueError, match=r'b.png: class ids \[7\]'):
        check_label_map(np.array([7], np.uint8), 2, 'b.png')
