"""IRNHead: branch shapes, IRN's pair labels and its four loss terms."""
import math

import numpy as np
import pytest
import torch

import mmlabeleff.models  # noqa: F401  (registers the heads)
from mmlabeleff.ops import get_neighbor_offsets
from mmlabeleff.ops.affinity import _irn_path_pixels
from mmlabeleff.registry import MODELS

RADIUS = 2.9
R = 2  # floor(RADIUS)


def _head(**kwargs):
    cfg = dict(type='IRNHead', in_channels=(8, 8, 16), in_strides=(4, 8, 16),
               radius=RADIUS, background_index=0)
    cfg.update(kwargs)
    torch.manual_seed(0)
    return MODELS.build(cfg)


def _feats(n=2, h=20, w=24, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return [torch.randn(n, 8, h, w, generator=gen),
            torch.randn(n, 8, h // 2, w // 2, generator=gen),
            torch.randn(n, 16, h // 4, w // 4, generator=gen)]


def _labels():
    """(2, 12, 24) confident labels: background 0, classes 1 and 3, 255."""
    lab = torch.zeros(2, 12, 24, dtype=torch.long)
    lab[0, 2:8, 3:10] = 1
    lab[0, 5:11, 14:20] = 3
    lab[0, 0:3, 18:24] = 255
    lab[0, 9:12, 0:5] = 255
    lab[1, :, 12:] = 1
    lab[1, 4:9, 6:16] = 3
    lab[1, 6, :] = 255
    return lab


def _search_offsets():
    offsets = get_neighbor_offsets(RADIUS).tolist()
    return offsets[len(offsets) // 2:]


def _brute_pairs(labels, background_index, ignore=255):
    """(N, K', P) bg / fg / neg masks by loops (numpy)."""
    lab = labels.numpy()
    n, h, w = lab.shape
    offsets = _search_offsets()
    shape = (n, len(offsets), (h - R) * (w - 2 * R))
    bg, fg, neg = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    for i in range(n):
        for k, (dy, dx) in enumerate(offsets):
            p = 0
            for y in range(0, h - R):
                for x in range(R, w - R):
                    a, b = lab[i, y, x], lab[i, y + dy, x + dx]
                    if a != ignore and b != ignore:
                        if a != b:
                            neg[i, k, p] = 1
                        elif background_index is not None and a == background_index:
                            bg[i, k, p] = 1
                        else:
                            fg[i, k, p] = 1
                    p += 1
    return bg, fg, neg


def _brute_loss(edge_logits, disp, labels, background_index):
    """IRN's loss terms (class docstring) by loops over the pairs."""
    boundary = torch.sigmoid(edge_logits.double())[:, 0].numpy()
    disp = disp.double().numpy()
    lab = labels.numpy()
    n, h, w = lab.shape
    eps = 1e-5
    sums = dict(bg=0.0, fg=0.0, neg=0.0, dp_fg=0.0, dp_bg=0.0)
    counts = dict(bg=0, fg=0, neg=0)
    for i in range(n):
        for dy, dx in _search_offsets():
            path = _irn_path_pixels(dy, dx)
            for y in range(0, h - R):
                for x in range(R, w - R):
                    a, b = lab[i, y, x], lab[i, y + dy, x + dx]
                    if a == 255 or b == 255:
                        continue
                    aff = 1 - max(boundary[i, y + py, x + px] for py, px in path)
                    d = disp[i, :, y, x] - disp[i, :, y + dy, x + dx]
                    if a != b:
                        counts['neg'] += 1
                        sums['neg'] += -math.log(1 + eps - aff)
                    elif background_index is not None and a == background_index:
                        counts['bg'] += 1
                        sums['bg'] += -math.log(aff + eps)
                        sums['dp_bg'] += np.abs(d).sum()
                    else:
                        counts['fg'] += 1
                        sums['fg'] += -math.log(aff + eps)
                        sums['dp_fg'] += np.abs(d - np.array([dy, dx])).sum()
    pos = (sums['bg'] / (counts['bg'] + eps) + sums['fg'] / (counts['fg'] + eps)) / 2
    neg = sums['neg'] / (counts['neg'] + eps)
    dp_fg = sums['dp_fg'] / (2 * counts['fg'] + eps)
    dp_bg = sums['dp_bg'] / (2 * counts['bg'] + eps)
    return dict(loss_pos_aff=pos / 2, loss_neg_aff=neg / 2, loss_dp_fg=dp_fg / 2,
                loss_dp_bg=dp_bg / 2), counts


def test_forward_shapes():
    head = _head()
    edge, disp = head(_feats())
    assert edge.shape == (2, 1, 20, 24)
    assert disp.shape == (2, 2, 20, 24)
    assert torch.isfinite(edge).all() and torch.isfinite(disp).all()


def test_forward_crops_odd_sizes_to_the_stride4_input():
    # 21x25 at stride 4: the deeper maps (11x13, 6x7) upsample past it
    gen = torch.Generator().manual_seed(0)
    feats = [torch.randn(1, 8, 21, 25, generator=gen),
             torch.randn(1, 8, 11, 13, generator=gen),
             torch.randn(1, 16, 6, 7, generator=gen)]
    edge, disp = _head()(feats)
    assert edge.shape == (1, 1, 21, 25)
    assert disp.shape == (1, 2, 21, 25)


def test_forward_wrong_number_of_inputs():
    with pytest.raises(ValueError, match='3 inputs'):
        _head()(_feats()[:2])


@pytest.mark.parametrize('strides', [(8, 8, 16), (4, 6, 16), (2, 8, 16)])
def test_bad_in_strides(strides):
    with pytest.raises(ValueError, match='in_strides'):
        _head(in_strides=strides)


def test_mismatched_channels_and_strides():
    with pytest.raises(ValueError, match='equal length'):
        _head(in_channels=(8, 8))


def test_search_offsets():
    offsets = _head().search_offsets()
    assert offsets.tolist() == _search_offsets()
    assert len(offsets) == 12
    assert offsets[0].tolist() == [0, 1]


@pytest.mark.parametrize('background_index', [0, None])
def test_pair_labels_match_loops(background_index):
    head = _head(background_index=background_index)
    labels = _labels()
    bg, fg, neg = head.pair_labels(labels)
    assert bg.shape == fg.shape == neg.shape == (2, 12, 10 * 20)
    ebg, efg, eneg = _brute_pairs(labels, background_index)
    np.testing.assert_array_equal(bg.numpy(), ebg)
    np.testing.assert_array_equal(fg.numpy(), efg)
    np.testing.assert_array_equal(neg.numpy(), eneg)
    # the three kinds are disjoint and all occur (bg only with a background)
    assert ((bg + fg + neg) <= 1).all()
    assert fg.sum() > 0 and neg.sum() > 0
    assert (bg.sum() > 0) == (background_index is not None)


@pytest.mark.parametrize('background_index', [0, None])
def test_loss_matches_irn_formulas(background_index):
    head = _head(background_index=background_index)
    labels = _labels()
    gen = torch.Generator().manual_seed(5)
    edge = torch.randn(2, 1, 12, 24, generator=gen, dtype=torch.float64) * 2
    disp = torch.randn(2, 2, 12, 24, generator=gen, dtype=torch.float64)
    losses = head.loss_by_feat(edge, disp, labels)
    expected, counts = _brute_loss(edge, disp, labels, background_index)
    assert counts['fg'] > 0 and counts['neg'] > 0
    assert set(losses) == set(expected)
    for key, value in expected.items():
        want = torch.tensor(value, dtype=torch.float64)
        torch.testing.assert_close(losses[key], want, rtol=1e-7, atol=1e-9, msg=key)
    if background_index is None:
        assert losses['loss_dp_bg'] == 0
    else:
        assert losses['loss_dp_bg'] > 0


def test_loss_float32():
    head = _head()
    labels = _labels()
    gen = torch.Generator().manual_seed(6)
    edge = torch.randn(2, 1, 12, 24, generator=gen)
    disp = torch.randn(2, 2, 12, 24, generator=gen)
    losses = head.loss_by_feat(edge, disp, labels)
    expected, _ = _brute_loss(edge, disp, labels, 0)
    for key, value in expected.items():
        assert losses[key].dtype == torch.float32
        assert math.isclose(losses[key].item(), value, rel_tol=1e-4), key


def test_perfect_displacement_has_zero_fg_loss():
    # D(p) = p gives D(p) - D(p + o) = -o: the fg term is |-2o|; D(p) = -p gives 0
    head = _head()
    labels = _labels()
    ys, xs = torch.meshgrid(torch.arange(12.), torch.arange(24.), indexing='ij')
    disp = -torch.stack([ys, xs])[None].expand(2, -1, -1, -1).double()
    losses = head.loss_by_feat(torch.zeros(2, 1, 12, 24, dtype=torch.float64), disp,
                               labels)
    assert losses['loss_dp_fg'].abs() < 1e-12
    assert losses['loss_dp_bg'] >= 0.25  # |o|_1 >= 1, halved twice


@pytest.mark.parametrize('size', [(2, 24), (12, 4), (1, 3)])
def test_too_small_map_raises(size):
    head = _head()
    labels = torch.zeros((1, ) + size, dtype=torch.long)
    with pytest.raises(ValueError, match='too small'):
        head.loss_by_feat(torch.zeros((1, 1) + size), torch.zeros((1, 2) + size),
                          labels)


def test_smallest_map_is_accepted():
    head = _head()
    labels = torch.zeros(1, 3, 5, dtype=torch.long)
    labels[0, :, 3:] = 1
    losses = head.loss_by_feat(torch.zeros(1, 1, 3, 5), torch.zeros(1, 2, 3, 5), labels)
    assert all(torch.isfinite(v) for v in losses.values())


def test_boundary_and_label_size_mismatch_raises():
    head = _head()
    with pytest.raises(ValueError, match='differ in size'):
        head.loss_by_feat(torch.zeros(1, 1, 12, 20), torch.zeros(1, 2, 12, 20),
                          torch.zeros(1, 12, 24, dtype=torch.long))


def test_gradients_reach_the_head():
    head = _head()
    head.train()
    losses = head.loss(_feats(h=12, w=24, seed=2), _labels())
    total = sum(losses.values())
    assert torch.isfinite(total)
    total.backward()
    assert head.edge_out.weight.grad is not None
    assert head.edge_out.weight.grad.abs().sum() > 0
    assert head.edge_branches[2].conv.weight.grad.abs().sum() > 0
    assert head.dp_out[3].weight.grad.abs().sum() > 0
    assert head.dp_deep[0].conv.weight.grad.abs().sum() > 0


def test_mean_shift_centres_displacements_in_eval():
    head = _head()
    feats = _feats(h=12, w=24, seed=3)
    head.train()
    _, disp_train = head(feats)
    running = head.dp_out[4].running_mean.clone()
    assert running.abs().sum() > 0  # updated by the training pass
    head.eval()
    with torch.no_grad():
        _, disp_eval = head(feats)
    expected = disp_train.detach() - running.view(1, 2, 1, 1)
    torch.testing.assert_close(disp_eval, expected)
