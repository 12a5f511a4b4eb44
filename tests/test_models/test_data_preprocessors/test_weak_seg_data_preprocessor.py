import torch
from mmengine.structures import InstanceData, PixelData
from mmseg.structures import SegDataSample

from mmlabeleff.models import WeakSegDataPreProcessor
from mmlabeleff.registry import MODELS


def make_sample(h, w, dense=True, seed=0):
    """An image with a sparse map (254 background), boxes and points."""
    g = torch.Generator().manual_seed(seed)
    img = torch.randint(0, 256, (3, h, w), generator=g, dtype=torch.uint8)
    sample = SegDataSample()
    if dense:
        sample.gt_sem_seg = PixelData(data=torch.zeros(1, h, w, dtype=torch.long))
    sparse = torch.full((1, h, w), 254, dtype=torch.long)
    sparse[0, 3, :] = 1
    sample.set_data(dict(gt_sparse_seg=PixelData(data=sparse)))
    sample.gt_instances = InstanceData(
        bboxes=torch.tensor([[1., 2., w, h]]), labels=torch.tensor([1]))
    sample.gt_points = InstanceData(
        points=torch.tensor([[w - 0.5, h - 0.5], [0.5, 0.5]]),
        labels=torch.tensor([0, 1]))
    sample.set_data(dict(gt_image_labels=torch.tensor([0., 1.])))
    return img, sample


def test_training_pads_sparse_maps_with_ignore():
    preprocessor = MODELS.build(dict(
        type='WeakSegDataPreProcessor', mean=[0., 0., 0.], std=[1., 1., 1.],
        size_divisor=16))
    img_a, a = make_sample(40, 60)
    img_b, b = make_sample(30, 50, dense=False, seed=1)
    boxes = [a.gt_instances.bboxes.clone(), b.gt_instances.bboxes.clone()]
    points = [a.gt_points.points.clone(), b.gt_points.points.clone()]
    out = preprocessor(dict(inputs=[img_a, img_b], data_samples=[a, b]),
                       training=True)
    inputs, (a, b) = out['inputs'], out['data_samples']
    assert inputs.shape == (2, 3, 48, 64)
    for img, sample, h, w in ((img_a, a, 40, 60), (img_b, b, 30, 50)):
        sparse = sample.gt_sparse_seg.data
        assert sparse.shape == (1, 48, 64)
        assert (sparse[:, h:] == 255).all() and (sparse[:, :, w:] == 255).all()
        assert (sparse[0, 3, :w] == 1).all()
        assert set(sparse[:, :h, :w].unique().tolist()) == {1, 254}
        assert tuple(sample.pad_shape) == (48, 64)
        assert list(sample.padding_size) == [0, 64 - w, 0, 48 - h]
    # The dense map is padded the same way, by upstream.
    assert a.gt_sem_seg.shape == a.gt_sparse_seg.shape
    assert (a.gt_sem_seg.data[:, 40:] == 255).all()
    # Padding is bottom/right: boxes and points are unchanged and still
    # point at the same pixels of the padded batch.
    for img, sample, box, point in zip((img_a, img_b), (a, b), boxes, points):
        assert torch.equal(sample.gt_instances.bboxes, box)
        assert torch.equal(sample.gt_points.points, point)
        index = point.long()
        padded = out['inputs'][0 if sample is a else 1]
        assert torch.equal(padded[:, index[:, 1], index[:, 0]],
                           img[:, index[:, 1], index[:, 0]].float())
    assert torch.equal(b.gt_image_labels, torch.tensor([0., 1.]))


def test_fixed_size_and_testing():
    preprocessor = WeakSegDataPreProcessor(
        size=(64, 64), test_cfg=dict(size_divisor=32))
    img, sample = make_sample(40, 60)
    sparse = sample.gt_sparse_seg.data.clone()
    out = preprocessor(dict(inputs=[img], data_samples=[sample]), True)
    padded = out['data_samples'][0].gt_sparse_seg.data
    assert padded.shape == (1, 64, 64)
    assert torch.equal(padded[:, :40, :60], sparse)
    assert (padded[:, 40:] == 255).all() and (padded[:, :, 60:] == 255).all()
    # default mean / std of the preprocessor: none given, so no normalisation
    assert torch.equal(out['inputs'][0, :, :40, :60], img.float())
    assert (out['inputs'][0, :, 40:] == 0).all()
    # Testing pads the image only; labels keep the image size, as upstream
    # does for gt_sem_seg.
    img, sample = make_sample(40, 60)
    out = preprocessor(dict(inputs=[img], data_samples=[sample]), False)
    assert out['inputs'].shape == (1, 3, 64, 64)
    sample = out['data_samples'][0]
    assert sample.gt_sparse_seg.shape == sample.gt_sem_seg.shape == (40, 60)
