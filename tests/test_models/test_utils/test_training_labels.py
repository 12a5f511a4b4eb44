"""Training labels of a batch of mixed label types."""
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmlabeleff.models.utils import image_class_mask, stack_training_labels


def test_sparse_wins_over_dense_and_class_mask():
    dense = SegDataSample(gt_sem_seg=PixelData(data=torch.zeros(1, 2, 2).long()))
    sparse = SegDataSample(
        gt_sem_seg=PixelData(data=torch.zeros(1, 2, 2).long()),
        gt_sparse_seg=PixelData(data=torch.tensor([[[254, 3], [255, 1]]])))
    tagged = SegDataSample(
        gt_sparse_seg=PixelData(data=torch.tensor([[[254, 3], [255, 254]]])),
        gt_image_labels=torch.tensor([0.0, 0.0, 1.0, 1.0]))
    labels = stack_training_labels([dense, sparse, tagged])
    assert labels.shape == (3, 2, 2)
    assert labels[1].tolist() == [[254, 3], [255, 1]]
    mask = image_class_mask(labels, [dense, sparse, tagged], 4)
    assert mask.tolist() == [[1, 0, 0, 0], [0, 1, 0, 1], [0, 0, 1, 1]]


def test_errors():
    empty = SegDataSample()
    empty.set_metainfo(dict(img_path='a.png'))
    with pytest.raises(ValueError, match='a.png'):
        stack_training_labels([empty])
    a = SegDataSample(gt_sem_seg=PixelData(data=torch.zeros(1, 2, 2).long()))
    b = SegDataSample(gt_sem_seg=PixelData(data=torch.zeros(1, 2, 3).long()))
    with pytest.raises(ValueError, match='differ'):
        stack_training_labels([a, b])
