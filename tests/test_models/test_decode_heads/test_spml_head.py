"""SPMLHead: the router of a mixed batch, the memory bank, checks."""
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmlabeleff.models.decode_heads import SPMLHead
from mmlabeleff.models.decode_heads.spml_head import SPML_RELATIONS

KINDS = ('full', 'scribbles', 'points', 'boxes', 'tags', 'unlabeled')
SIZE = 32  # label size; features 8x8 -> embedding 16x16 (x2)


def make_head(**kwargs):
    torch.manual_seed(0)
    cfg = dict(in_channels=8, in_index=0, num_classes=4, embedding_dim=6,
               dilations=(1, 2), upsample_scale=2, kmeans_num_clusters=(3, 3))
    cfg.update(kwargs)
    return SPMLHead(**cfg)


def make_sample(kind, index):
    gen = torch.Generator().manual_seed(index)
    sample = SegDataSample()
    if kind == 'full':
        label = torch.randint(0, 4, (1, SIZE, SIZE), generator=gen)
        sample.gt_sem_seg = PixelData(data=label)
    else:
        label = torch.full((1, SIZE, SIZE), 254)
        if kind != 'unlabeled':  # sparse labels / CAM pseudo labels
            label[0, 4:8, 2:30] = index % 4
            label[0, 20:24, 2:30] = (index + 1) % 4
        sample.gt_sparse_seg = PixelData(data=label)
    label = sample.gt_sem_seg.data if kind == 'full' else label
    label[0, -3:, :] = 255  # padding
    superpixel = (torch.arange(SIZE).view(-1, 1) // 8) * 4 + torch.arange(SIZE) // 8
    sample.gt_superpixel = PixelData(data=superpixel.view(1, SIZE, SIZE))
    sample.set_metainfo(dict(supervision=kind, img_path=f'{kind}.png'))
    return sample


def features(batch, seed=1):
    return [torch.randn(batch, 8, 8, 8, generator=torch.Generator().manual_seed(seed))]


def test_every_label_type_in_one_batch():
    head = make_head(memory_bank_size=0)
    head.train()
    samples = [make_sample(k, i) for i, k in enumerate(KINDS)]
    feats = features(len(KINDS))
    losses = head.loss(feats, samples, {})
    for key in ('loss_ce', 'loss_sem_ann', 'loss_sem_occ', 'loss_img_sim'):
        assert torch.isfinite(losses[key]) and losses[key].requires_grad
    assert 'loss_feat_aff' not in losses  # off for every label type
    sum(v for k, v in losses.items() if k.startswith('loss')).backward()
    assert all(p.grad is not None for p in head.aspp.parameters())

    # low-level term: the mean over images of each image's weighted term,
    # each computed alone from the same embedding (k-means runs per image)
    emb = head.embed(feats)
    logits = head.classify(emb.detach())
    both = head.loss_by_feat((emb, logits), samples)
    alone = [head.loss_by_feat((emb[i:i + 1], logits[i:i + 1]),
                               [samples[i]])['loss_img_sim']
             for i in range(len(KINDS))]
    assert torch.isclose(both['loss_img_sim'], sum(alone) / len(alone),
                         rtol=1e-5)
    # the unlabeled image's term carries the tag/box weight
    unweighted = make_head(memory_bank_size=0, relations=dict(
        unlabeled=dict(img_sim=dict(weight=1.0))))
    unweighted.load_state_dict(head.state_dict())
    last = unweighted.loss_by_feat((emb[-1:], logits[-1:]), samples[-1:])
    assert torch.isclose(alone[-1], SPML_RELATIONS['unlabeled']['img_sim'][0]
                         * last['loss_img_sim'])

    # the unlabeled image is neither an anchor nor a segment of the
    # semantic terms: dropping it changes nothing there
    without = head.loss_by_feat((emb[:-1], logits[:-1]), samples[:-1])
    losses = both
    for key in ('loss_sem_ann', 'loss_sem_occ', 'loss_ce'):
        assert torch.isclose(losses[key], without[key], rtol=1e-5), key


def test_weights_follow_each_images_supervision():
    samples = [make_sample('points', 0), make_sample('tags', 1)]
    feats = features(2)
    head = make_head(memory_bank_size=0)
    ref = head.loss(feats, samples, {})
    # doubling the weight of one label type's term changes only that term
    head = make_head(memory_bank_size=0,
                     relations=dict(points=dict(sem_ann=dict(weight=2.0))))
    out = head.loss(feats, samples, {})
    assert not torch.isclose(out['loss_sem_ann'], ref['loss_sem_ann'])
    assert torch.isclose(out['loss_img_sim'], ref['loss_img_sim'])
    # a term whose weight is 0 for every type is not computed
    head = make_head(relations=dict(all=dict(img_sim=dict(weight=0.0))))
    assert 'loss_img_sim' not in head.loss(feats, samples, {})


def test_memory_bank_keeps_two_detached_batches():
    head = make_head(memory_bank_size=2)
    head.train()
    samples = [make_sample('scribbles', i) for i in range(2)]
    first = head.loss(features(2, 1), samples, {})
    assert len(head.memory) == 1
    head.loss(features(2, 2), samples, {})
    third = head.loss(features(2, 1), samples, {})
    assert len(head.memory) == 2
    assert all(not m['prototypes'].requires_grad for m in head.memory)
    # the same batch again sees the memory's segments as extra negatives
    assert not torch.isclose(first['loss_sem_ann'], third['loss_sem_ann'])
    head.eval()
    before = [m['prototypes'] for m in head.memory]
    head.loss(features(2, 1), samples, {})
    assert all(a is b for a, b in zip(before, [m['prototypes'] for m in head.memory]))
    head.clear_memory()
    assert head.memory == []


def test_feature_affinity_term():
    head = make_head(memory_bank_size=0, feat_aff_threshold=-1.0,
                     relations=dict(scribbles=dict(feat_aff=dict(weight=0.1))))
    samples = [make_sample('scribbles', i) for i in range(2)]
    losses = head.loss(features(2), samples, {})
    assert losses['loss_feat_aff'] > 0
    # a threshold no cosine reaches adopts nothing: the term is 0
    head.feat_aff_threshold = 1.0
    assert float(head.loss(features(2), samples, {})['loss_feat_aff']) == 0.0


def test_prediction_shape():
    head = make_head()
    head.eval()
    logits = head(features(2))
    assert logits.shape == (2, 4, 16, 16)
    metas = [dict(img_shape=(SIZE, SIZE), pad_shape=(SIZE, SIZE))] * 2
    out = head.predict(features(2), metas, dict(mode='whole'))
    assert out.shape == (2, 4, SIZE, SIZE)


def test_errors_name_the_problem():
    sample = make_sample('scribbles', 0)
    del sample.gt_superpixel
    with pytest.raises(ValueError, match='scribbles.png.*gt_superpixel'):
        make_head().loss(features(1), [sample], {})
    bad = make_sample('scribbles', 0)
    bad.set_metainfo(dict(supervision='sketch'))
    with pytest.raises(ValueError, match='sketch'):
        make_head().loss(features(1), [bad], {})
    with pytest.raises(ValueError, match='unknown supervision'):
        make_head(relations=dict(sketch=dict(img_sim=dict(weight=1.0))))
    with pytest.raises(ValueError, match='unknown term'):
        make_head(relations=dict(all=dict(colour=dict(weight=1.0))))
    with pytest.raises(ValueError, match='concentration'):
        make_head(relations=dict(all=dict(img_sim=dict(concentration=0))))
    with pytest.raises(ValueError, match='weight'):
        make_head(relations=dict(tags=dict(sem_occ=dict(weight=-1))))
    with pytest.raises(ValueError, match='kmeans_num_clusters'):
        make_head(kmeans_num_clusters=(0, 6))
    with pytest.raises(ValueError, match='sem_occ_ignore_classes'):
        make_head(sem_occ_ignore_classes=(9, ))


def test_tags_sample_without_label_map():
    head = make_head(memory_bank_size=0)
    tags = SegDataSample()
    tags.gt_image_labels = torch.tensor([1.0, 0.0, 1.0, 0.0])
    superpixel = torch.arange(SIZE * SIZE).view(1, SIZE, SIZE) // 64
    tags.gt_superpixel = PixelData(data=superpixel)
    tags.set_metainfo(dict(supervision='tags', img_shape=(SIZE - 4, SIZE),
                           img_path='tags.png'))
    samples = [make_sample('scribbles', 0), tags]
    losses = head.loss(features(2), samples, {})
    assert all(torch.isfinite(v) for v in losses.values())
    # its pixels are no semantic-annotation anchors
    alone = head.loss(features(2), samples[:1] * 2, {})
    assert losses['loss_sem_ann'] > 0 and alone['loss_sem_ann'] > 0


def test_max_anchors_samples_the_semantic_terms(monkeypatch):
    import mmlabeleff.models.decode_heads.spml_head as spml_head
    # classes {0, 1} and {2, 3}: the co-occurrence term has negatives
    samples = [make_sample('tags', 0), make_sample('scribbles', 2)]
    head = make_head(memory_bank_size=0)
    emb = head.embed(features(2)).detach()
    logits = head.classify(emb)
    full = head.loss_by_feat((emb, logits), samples)
    # a cap above every term's anchor count changes nothing
    head.max_anchors = 10_000
    same = head.loss_by_feat((emb, logits), samples)
    for key in full:
        assert torch.equal(full[key], same[key]), key

    # a small cap passes exactly that many anchors to each semantic term
    # (the low-level term keeps every pixel)
    sizes = []
    real = spml_head.segsort_loss

    def spy(emb_rows, *args, **kwargs):
        sizes.append(emb_rows.shape[0])
        return real(emb_rows, *args, **kwargs)

    monkeypatch.setattr(spml_head, 'segsort_loss', spy)
    head.loss_by_feat((emb, logits), samples)
    uncapped, sizes[:] = list(sizes), []
    head.max_anchors = 40
    torch.manual_seed(0)
    capped = head.loss_by_feat((emb, logits), samples)
    # sem_ann, sem_occ, then one low-level call per image
    assert min(uncapped[:2]) > 40 and sizes == [40, 40] + uncapped[2:]
    assert float(full['loss_sem_occ']) > 0
    assert torch.equal(capped['loss_img_sim'], full['loss_img_sim'])
    assert not torch.isclose(capped['loss_sem_ann'], full['loss_sem_ann'])
    monkeypatch.setattr(spml_head, 'segsort_loss', real)

    # each capped term is an unbiased estimate of the full mean
    draws = {'loss_sem_ann': [], 'loss_sem_occ': []}
    for seed in range(100):
        torch.manual_seed(seed)
        out = head.loss_by_feat((emb, logits), samples)
        for key in draws:
            draws[key].append(float(out[key]))
    for key, values in draws.items():
        mean = sum(values) / len(values)
        assert abs(mean - float(full[key])) < 0.05 * float(full[key]), key
    # seeded: the same seed draws the same anchors
    torch.manual_seed(7)
    a = head.loss_by_feat((emb, logits), samples)['loss_sem_ann']
    torch.manual_seed(7)
    b = head.loss_by_feat((emb, logits), samples)['loss_sem_ann']
    assert torch.equal(a, b)
    for bad in (0, -5, 2.5, '64', True):
        with pytest.raises(ValueError, match='max_anchors must be None or an '
                           'integer'):
            make_head(max_anchors=bad)
