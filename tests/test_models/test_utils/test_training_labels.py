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


def test_fill_missing_maps_for_tags_and_unlabeled_samples():
    import torch
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample

    from mmlabeleff.models.utils import stack_training_labels
    sparse = SegDataSample()
    sparse.gt_sparse_seg = PixelData(data=torch.zeros(1, 4, 5, dtype=torch.long))
    tags = SegDataSample()
    tags.set_metainfo(dict(img_shape=(3, 4), img_path='t.png'))
    out = stack_training_labels([sparse, tags], fill_missing=True)
    assert out.shape == (2, 4, 5)
    assert (out[1, :3, :4] == 254).all()
    assert (out[1, 3, :] == 255).all() and (out[1, :, 4] == 255).all()
    alone = SegDataSample()
    alone.set_metainfo(dict(img_shape=(2, 2), batch_input_shape=(2, 3)))
    assert stack_training_labels([alone], fill_missing=True).shape == (1, 2, 3)
    import pytest
    with pytest.raises(ValueError, match='t.png'):
        stack_training_labels([sparse, tags])
