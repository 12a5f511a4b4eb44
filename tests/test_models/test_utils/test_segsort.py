"""Spherical k-means, segments and retrieval against reference loops."""
import pytest
import torch

from mmlabeleff.models.utils import (
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


def reference_grid(ny, nx, height, width):
    """The public code's grid: round(linspace) per axis, id y + ny * x,
    renumbered to consecutive ids in increasing order."""
    ids = torch.zeros(height, width, dtype=torch.long)
    for r in range(height):
        for c in range(width):
            y = round(r * (ny - 1) / (height - 1)) if height > 1 else 0
            x = round(c * (nx - 1) / (width - 1)) if width > 1 else 0
            ids[r, c] = y + ny * x
    values = sorted(set(ids.view(-1).tolist()))
    return torch.tensor([values.index(v) for v in ids.view(-1).tolist()])


def reference_kmeans(features, init, iterations):
    """One image, only its valid pixels, plain loops over clusters."""
    labels = init.clone()
    num_clusters = int(init.max()) + 1 if init.numel() else 0
    for _ in range(iterations):
        protos = []
        for k in range(num_clusters):
            members = features[labels == k]
            total = members.sum(0) if len(members) else torch.zeros(
                features.shape[1], dtype=features.dtype)
            norm = total.norm()
            protos.append(total / norm if norm >= 1e-12 else total / 1e-12)
        protos = torch.stack(protos)
        labels = torch.stack([torch.argmax(protos @ f) for f in features])
    return labels


def test_grid_matches_public_rule():
    for ny, nx, h, w in [(6, 6, 44, 44), (6, 6, 11, 15), (6, 6, 4, 5),
                         (3, 2, 7, 1)]:
        labels, num = grid_cluster_labels((ny, nx), h, w)
        expected = reference_grid(ny, nx, h, w)
        assert torch.equal(labels, expected)
        assert num == int(expected.max()) + 1
    _, num = grid_cluster_labels((6, 6), 44, 44)
    assert num == 36


def test_location_features_range_and_order():
    loc = location_features(3, 5)
    assert loc.shape == (15, 2)
    assert torch.allclose(loc[0], torch.tensor([-0.5, -0.5]))
    assert torch.allclose(loc[-1], torch.tensor([0.5, 0.5]))
    assert torch.allclose(loc[1], torch.tensor([-0.5, -0.25]))  # (y, x)


def test_batched_kmeans_equals_per_image_reference():
    gen = torch.Generator().manual_seed(0)
    batch, height, width, dim = 3, 9, 11, 6
    emb = normalize_embedding(
        torch.randn(batch, height * width, dim, generator=gen, dtype=torch.float64))
    loc = location_features(height, width, dtype=torch.float64)
    feats = normalize_embedding(torch.cat([emb, loc.expand(batch, -1, -1)], -1))
    valid = torch.rand(batch, height * width, generator=gen) > 0.3
    valid[2] = False  # an image that is all padding
    init, num = grid_cluster_labels((3, 3), height, width)
    out = spherical_kmeans(feats, valid, init, num, iterations=10)
    for b in range(batch):
        mask = valid[b]
        if not mask.any():
            continue
        expected = reference_kmeans(feats[b][mask], init[mask], 10)
        assert torch.equal(out[b][mask], expected)


def test_segments_are_pure_and_complete():
    gen = torch.Generator().manual_seed(1)
    batch, num = 2, 40
    clusters = torch.randint(0, 4, (batch, num), generator=gen)
    labels = torch.randint(0, 3, (batch, num), generator=gen)
    labels[0, :5] = 254  # unlabeled pixels form segments of their own
    superpixels = torch.randint(0, 5, (batch, num), generator=gen)
    valid = torch.ones(batch, num, dtype=torch.bool)
    valid[1, -7:] = False
    segs = segment_pixels(clusters, labels, superpixels, valid)
    index = segs['pixel_index']
    assert index.numel() == int(valid.sum())
    image = index // num
    tuples = set()
    for p, s in zip(index.tolist(), segs['segment'].tolist()):
        b, n = divmod(p, num)
        key = (b, int(clusters[b, n]), int(labels[b, n]), int(superpixels[b, n]))
        tuples.add(key)
        assert (int(segs['batch'][s]), int(segs['label'][s]),
                int(segs['superpixel'][s])) == (b, key[2], key[3])
    # one segment per distinct (image, cluster, label, superpixel)
    assert len(tuples) == segs['batch'].numel()
    pairs = {(int(c), s) for c, s in zip(
        clusters.view(-1)[index].tolist(), segs['segment'].tolist())}
    assert len(pairs) == len(tuples)  # no segment spans two clusters
    assert set(image.tolist()) == {0, 1}


def test_prototypes_are_normalised_sums_with_gradients():
    feats = torch.tensor([[1.0, 0.0], [0.0, 1.0], [3.0, 4.0]], requires_grad=True)
    protos = segment_prototypes(feats, torch.tensor([0, 0, 1]), 2)
    assert torch.allclose(protos[0], torch.tensor([1.0, 1.0]) / 2 ** 0.5)
    assert torch.allclose(protos[1], torch.tensor([0.6, 0.8]))
    protos.sum().backward()
    assert feats.grad is not None and feats.grad.abs().sum() > 0
    # an empty prototype stays zero (public code: divide by eps)
    assert torch.equal(normalize_embedding(torch.zeros(1, 3)), torch.zeros(1, 3))


def test_cluster_image_is_kmeans_with_location_then_renumbered():
    gen = torch.Generator().manual_seed(3)
    emb = torch.randn(5, 9, 11, generator=gen) * 3
    clusters, protos = cluster_image(emb, (3, 4), iterations=4)
    unit = torch.nn.functional.normalize(emb.reshape(5, -1).t(), dim=1)
    loc = location_features(9, 11)
    feats = torch.nn.functional.normalize(torch.cat([unit, loc], 1), dim=1)
    expected = reference_kmeans(feats, reference_grid(3, 4, 9, 11), 4)
    # same partition, renumbered 0..K-1 in the order of the original ids
    values = sorted(set(expected.tolist()))
    assert clusters.tolist() == [values.index(v) for v in expected.tolist()]
    assert protos.shape == (len(values), 5)
    for k in range(len(values)):
        total = unit[clusters == k].sum(0)
        assert torch.allclose(protos[k], total / total.norm(), atol=1e-5)


def test_majority_labels_count_ignored_pixels_and_break_ties_low():
    labels = torch.tensor([3, 3, 1, 255, 255, 255, 2, 5, 5, 2])
    clusters = torch.tensor([0, 0, 0, 1, 1, 1, 2, 2, 2, 2])
    assert majority_labels(labels, clusters, 4).tolist() == [3, 255, 2, 0]
    with pytest.raises(ValueError, match='labels for'):
        majority_labels(labels, clusters[:3], 4)


def test_retrieval_votes_match_brute_force():
    gen = torch.Generator().manual_seed(4)
    queries = torch.nn.functional.normalize(torch.randn(6, 4, generator=gen), dim=1)
    memory = torch.nn.functional.normalize(torch.randn(30, 4, generator=gen), dim=1)
    labels = torch.randint(0, 3, (30, ), generator=gen)
    votes = retrieval_votes(queries, memory, labels, 5, 3)
    for q in range(6):
        sims = [(float(queries[q] @ memory[m]), m) for m in range(30)]
        top = [m for _, m in sorted(sims, reverse=True)[:5]]
        expected = torch.bincount(labels[top], minlength=3).float() / 5
        assert torch.allclose(votes[q], expected)
    # fewer entries than k: all of them vote
    few = retrieval_votes(queries, memory[:2], torch.tensor([0, 2]), 20, 3)
    assert torch.allclose(few, torch.tensor([0.5, 0.0, 0.5]).expand(6, 3))
    with pytest.raises(ValueError, match='empty'):
        retrieval_votes(queries, memory[:0], labels[:0], 5, 3)
    with pytest.raises(ValueError, match=r'\[0, 3\)'):
        retrieval_votes(queries, memory, labels + 1, 5, 3)
