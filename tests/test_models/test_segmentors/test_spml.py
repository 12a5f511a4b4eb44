"""SPML segmentor: Algorithm 1's walk (dense = public formula), tags, CRF."""
import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmlabeleff.registry import MODELS


def build(walk=None, refiner=None, retrieval=None):
    from mmengine.config import ConfigDict
    init_default_scope('mmlabeleff')
    test_cfg = ConfigDict(mode='whole')
    if walk is not None:
        test_cfg['random_walk'] = walk
    if retrieval is not None:
        test_cfg['retrieval'] = retrieval
    if refiner is not None:
        test_cfg['refiner'] = refiner
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='SPML',
        data_preprocessor=dict(type='WeakSegDataPreProcessor',
                               mean=[127.0] * 3, std=[128.0] * 3,
                               bgr_to_rgb=True),
        backbone=dict(type='EfficientNetLite', arch='lite0', out_indices=(4, ),
                      out_stride=16),
        decode_head=dict(type='SPMLHead', in_channels=320, in_index=0,
                         embedding_dim=8, dilations=(1, 2), upsample_scale=4,
                         num_classes=4),
        test_cfg=test_cfg))
    model.eval()
    return model


def batch(with_tags=True):
    gen = torch.Generator().manual_seed(0)
    sample = SegDataSample()
    sample.set_metainfo(dict(img_shape=(64, 80), ori_shape=(64, 80),
                             pad_shape=(64, 80), padding_size=[0, 0, 0, 0]))
    if with_tags:
        sample.gt_image_labels = torch.tensor([1.0, 0.0, 1.0, 0.0])
    inputs = torch.randn(1, 3, 64, 80, generator=gen)
    return inputs, [sample]


def test_dense_walk_is_the_public_formula():
    model = build(dict(mode='dense', flip=False))
    gen = torch.Generator().manual_seed(1)
    cams = torch.rand(1, 4, 5, 6, generator=gen)
    emb = torch.nn.functional.normalize(torch.randn(1, 8, 5, 6, generator=gen), dim=1)
    walked = model._walk_one(cams, [emb])
    flat = emb[0].flatten(1)  # (D, N)
    aff = torch.exp(5 * flat.t() @ flat - 5) ** 20
    trans = aff / aff.sum(0, keepdim=True)
    expected = cams.view(4, -1) @ torch.linalg.matrix_power(trans, 2 ** 6)
    assert torch.allclose(walked.view(4, -1), expected, rtol=1e-4, atol=1e-6)


def test_local_walk_keeps_mass_and_respects_tags():
    model = build(dict(mode='local', radius=2.5))
    inputs, samples = batch()
    out = model.predict(inputs, samples)[0]
    assert out.pred_sem_seg.data.shape == (1, 64, 80)
    assert set(torch.unique(out.pred_sem_seg.data).tolist()) <= {0, 2}
    assert out.metainfo['walk_tags'] == [0, 2]
    # without tags every class may win; the plain classifier is unchanged
    inputs, samples = batch(with_tags=False)
    assert build(dict(mode='local'))._known_classes(samples[0], 4) is None
    plain = build().predict(*batch())[0]
    assert plain.pred_sem_seg.data.shape == (1, 64, 80)


def test_refiner_adds_the_walk_alone_as_rw_sem_seg():
    model = build(dict(mode='local'),
                  refiner=dict(type='DenseCRFRefiner', preset='spml'))
    out = model.predict(*batch())[0]
    assert 'rw_sem_seg' in out and 'pred_sem_seg' in out
    assert out.rw_sem_seg.data.shape == out.pred_sem_seg.data.shape


def test_tags_from_sparse_labels_and_bad_config():
    sample = SegDataSample()
    sample.gt_sparse_seg = PixelData(data=torch.tensor([[[3, 254, 255, 1]]]))
    assert build()._known_classes(sample, 4) == [1, 3]
    with pytest.raises(ValueError, match='mode'):
        build(dict(mode='global'))
    with pytest.raises(ValueError, match='unknown keys'):
        build(dict(steps=3))
    with pytest.raises(ValueError, match='beta'):
        build(dict(beta=0))


def cam_sample(shape=(64, 80)):
    """A sample with CAMs of classes 1 and 3 at half the input size (the
    dump is at the original image size)."""
    inputs, samples = batch()
    cams = torch.zeros(2, shape[0] // 2, shape[1] // 2)
    cams[0, :, :20] = 1.0  # class 1 on the left
    cams[1, :, 20:] = 0.8  # class 3 on the right
    samples[0].cams = PixelData(data=cams)
    samples[0].set_metainfo(dict(cam_labels=[1, 3]))
    samples[0].gt_image_labels = torch.tensor([1.0, 1.0, 0.0, 1.0])
    return inputs, samples


def test_cam_seeds_follow_the_public_order():
    model = build(dict(mode='dense', seed='cam', background_index=0, flip=False))
    _, samples = cam_sample()
    seeds = model.cam_seeds(samples[0], (4, 5))
    assert seeds.shape == (1, 4, 4, 5)
    cams = samples[0].cams.data
    full = torch.zeros(4, 32, 40)
    full[[1, 3]] = cams
    full[0] = (1 - cams.max(0)[0]) ** 6
    expected = torch.nn.functional.interpolate(full[None], size=(4, 5),
                                               mode='bilinear',
                                               align_corners=False)
    assert torch.allclose(seeds, expected)
    assert seeds[0, 2].abs().max() == 0  # no CAM, no seed


def test_cam_seeded_walk_labels_from_the_cams():
    # no walk step: the labels are the CAMs' (left class 1, right class 3)
    model = build(dict(mode='local', seed='cam', radius=2.5, log_t=0))
    labels = model.predict(*cam_sample())[0].pred_sem_seg.data[0]
    assert (labels[:, :16] == 1).all() and (labels[:, -16:] == 3).all()
    classifier = build(dict(mode='local', radius=2.5, log_t=0))
    assert not torch.equal(
        classifier.predict(*cam_sample())[0].pred_sem_seg.data[0], labels)
    # 64 steps: without a background class only the CAMs' classes can win
    model = build(dict(mode='local', seed='cam', radius=2.5))
    labels = model.predict(*cam_sample())[0].pred_sem_seg.data[0]
    assert set(torch.unique(labels).tolist()) <= {1, 3}


def test_cam_seed_errors():
    model = build(dict(mode='local', seed='cam'))
    with pytest.raises(ValueError, match='LoadCAMDump'):
        model.predict(*batch())
    inputs, samples = cam_sample()
    samples[0].set_metainfo(dict(cam_labels=[1, 7]))  # 4 classes
    with pytest.raises(ValueError, match='do not fit the model'):
        build(dict(mode='local', seed='cam')).predict(inputs, samples)
    with pytest.raises(ValueError, match='seed must be one of'):
        build(dict(seed='cams'))
    with pytest.raises(ValueError, match='cam_alpha'):
        build(dict(seed='cam', cam_alpha=0))


# ---------------------------------------------------------------------- #
# Algorithm 2: nearest-neighbour retrieval
RETRIEVAL = dict(k=3, num_clusters=(2, 2), iterations=2, scales=(0.5, 1.0),
                 flip=True)


def test_memory_prototypes_per_scale_drop_ignored_majorities():
    model = build()
    inputs, _ = batch()
    label = torch.zeros(64, 80, dtype=torch.long)
    label[:, 40:] = 2
    label[:32, :40] = 255  # a quarter ignored: its cluster is left out
    protos, labels = model.memory_prototypes(inputs, label, scales=(0.5, 1.0),
                                             num_clusters=(2, 2), iterations=3)
    assert protos.shape[0] == labels.numel() and protos.shape[1] == 8
    assert set(labels.tolist()) <= {0, 2} and 2 in labels.tolist()
    assert labels.numel() <= 2 * 4
    assert torch.allclose(protos.norm(dim=1), torch.ones(len(protos)), atol=1e-5)
    with pytest.raises(ValueError, match='label of size'):
        model.memory_prototypes(inputs, label[:10])


def test_retrieval_takes_the_memory_labels_and_normalises_tags():
    model = build(retrieval=RETRIEVAL)
    inputs, samples = batch()  # tags 0 and 2
    with pytest.raises(RuntimeError, match='MemoryBankHook'):
        model.predict(inputs, samples)
    # a memory of one class: every cluster votes for it
    protos, _ = model.memory_prototypes(inputs, torch.zeros(64, 80).long(),
                                        scales=(1.0, ), num_clusters=(2, 2))
    model.set_memory_bank(protos, torch.full((len(protos), ), 2))
    out = model.predict(inputs, samples)[0]
    assert (out.pred_sem_seg.data == 2).all()
    # votes: tag classes divided by their maximum, other classes untouched
    label = torch.zeros(64, 80, dtype=torch.long)
    label[:, 40:] = 3
    protos, labels = model.memory_prototypes(inputs, label, scales=(1.0, ),
                                             num_clusters=(2, 2))
    labels[labels == 0] = 2  # memory classes 2 (a tag) and 3 (not a tag)
    model.set_memory_bank(protos, labels)
    metas = [dict(samples[0].metainfo, walk_tags=[0, 2])]
    scores = model.retrieve(inputs, metas).exp()[0]
    assert torch.allclose(scores[2].max(), torch.tensor(1.0), atol=1e-5)
    assert scores[3].max() <= 1 + 1e-5 and scores[3].max() > 0
    assert torch.allclose(scores[0], torch.full_like(scores[0], 1e-8))
    raw = model.retrieve(inputs, [dict(samples[0].metainfo, walk_tags=None)])
    assert torch.allclose(raw.exp()[0, 3], scores[3], atol=1e-6)
    assert (raw.exp()[0, 2] <= scores[2] + 1e-6).all()


def test_retrieval_with_crf_keeps_the_retrieval_as_nn_sem_seg():
    model = build(retrieval=RETRIEVAL,
                  refiner=dict(type='DenseCRFRefiner', preset='spml'))
    inputs, samples = batch()
    protos, _ = model.memory_prototypes(inputs, torch.zeros(64, 80).long(),
                                        scales=(1.0, ), num_clusters=(2, 2))
    model.set_memory_bank(protos, torch.tensor([0, 2] * 8)[:len(protos)])
    out = model.predict(inputs, samples)[0]
    assert out.nn_sem_seg.data.shape == out.pred_sem_seg.data.shape == (1, 64, 80)
    assert set(torch.unique(out.pred_sem_seg.data).tolist()) <= {0, 2}


def test_retrieval_config_and_memory_errors():
    with pytest.raises(ValueError, match='unknown keys'):
        build(retrieval=dict(topk=3))
    with pytest.raises(ValueError, match='min_max'):
        build(retrieval=dict(min_max=0))
    with pytest.raises(ValueError, match='set one'):
        build(walk=dict(mode='local'), retrieval=dict())
    model = build(retrieval=dict())
    with pytest.raises(ValueError, match='outside'):
        model.set_memory_bank(torch.ones(2, 8), torch.tensor([0, 4]))
    with pytest.raises(ValueError, match='no prototypes'):
        model.set_memory_bank(torch.ones(0, 8), torch.tensor([]).long())
    with pytest.raises(ValueError, match='prototypes for'):
        model.set_memory_bank(torch.ones(3, 8), torch.tensor([0, 1]))


def test_retrieval_can_cluster_the_heads_own_map():
    model = build(retrieval=dict(RETRIEVAL, cluster_at='embedding'))
    inputs, samples = batch()
    label = torch.zeros(64, 80, dtype=torch.long)
    label[:, 40:] = 2
    # the head's map is 1/4 of the input: 16 x 20 pixels, labels resized
    emb = model._unit_embedding(inputs, 1.0, False, 'embedding')
    assert emb.shape[1:] == (16, 20)
    protos, labels = model.memory_prototypes(inputs, label, scales=(1.0, ),
                                             num_clusters=(2, 2),
                                             cluster_at='embedding')
    assert set(labels.tolist()) == {0, 2}
    model.set_memory_bank(protos, labels)
    out = model.predict(inputs, samples)[0]
    assert out.pred_sem_seg.data.shape == (1, 64, 80)
    with pytest.raises(ValueError, match='cluster_at'):
        build(retrieval=dict(cluster_at='pixels'))
