"""CutMix / ClassMix masks and their consistent use on images and labels."""
import pytest
import torch

from mmlabeleff.models.utils.semi_mix import (
    classmix_masks,
    cutmix_masks,
    cutmix_seg_masks,
    mix,
    partner_index,
)


def _box_of(mask):
    ys, xs = torch.nonzero(mask, as_tuple=True)
    return ys.min(), ys.max(), xs.min(), xs.max()


def test_cutmix_boxes_are_rectangles_in_the_area_and_ratio_ranges():
    gen = torch.Generator().manual_seed(0)
    masks = cutmix_masks(200, 40, 60, prob=1.0, generator=gen)
    for mask in masks:
        y0, y1, x0, x1 = _box_of(mask)
        h, w = int(y1 - y0 + 1), int(x1 - x0 + 1)
        assert mask.sum() == h * w  # one filled rectangle
        # int() truncation of sqrt(area * ratio) loses up to one row/column
        assert 0.02 * 0.8 <= h * w / (40 * 60) <= 0.4
        assert 0.3 * 0.7 <= h / w <= (1 / 0.3) / 0.7


def test_cutmix_probability_and_seed():
    none = cutmix_masks(50, 20, 20, prob=0.0)
    assert not none.any()
    gen = torch.Generator().manual_seed(3)
    some = cutmix_masks(400, 20, 20, prob=0.5, generator=gen)
    boxed = some.flatten(1).any(1).float().mean().item()
    assert 0.4 < boxed < 0.6
    again = cutmix_masks(400, 20, 20, prob=0.5,
                         generator=torch.Generator().manual_seed(3))
    assert torch.equal(some, again)
    with pytest.raises(ValueError, match='prob'):
        cutmix_masks(1, 4, 4, prob=2.0)


def test_cutmix_on_a_very_elongated_image_terminates():
    masks = cutmix_masks(20, 2, 400, prob=1.0,
                         generator=torch.Generator().manual_seed(0))
    assert masks.flatten(1).any(1).all()


def test_cutmix_seg_one_box_has_the_drawn_area_inside_the_image():
    gen = torch.Generator().manual_seed(0)
    masks = cutmix_seg_masks(100, 40, 60, num_boxes=1,
                             area_range=(0.25, 0.25), generator=gen)
    for mask in masks:
        y0, y1, x0, x1 = _box_of(mask)
        h, w = int(y1 - y0 + 1), int(x1 - x0 + 1)
        assert mask.sum() == h * w  # one filled rectangle
        # height fraction p ** u in [p, 1], width p / that; both rounded
        assert abs(h * w / (40 * 60) - 0.25) < 0.25 * (1 / 10 + 1 / 15 + 0.02)
        assert 10 - 1 <= h <= 40 and 15 - 1 <= w <= 60


def test_cutmix_seg_boxes_flip_the_mask_where_they_overlap():
    # 2 boxes of area 1/2 and full aspect draw: sides sqrt(1/2) of the
    # image, so both always cover the centre pixel, which flips back
    masks = cutmix_seg_masks(50, 41, 41, num_boxes=2, area_range=(1.0, 1.0),
                             generator=torch.Generator().manual_seed(1))
    assert not masks[:, 20, 20].any()
    full = cutmix_seg_masks(3, 8, 8, num_boxes=1, area_range=(1.0, 1.0))
    assert full.all()


def test_cutmix_seg_cps_setting_mixes_every_image_and_is_seeded():
    masks = cutmix_seg_masks(300, 64, 64,
                             generator=torch.Generator().manual_seed(2))
    share = masks.flatten(1).float().mean(1)
    assert (share > 0).all() and (share <= 0.5 + 0.02).all()
    assert 0.2 < share.mean() < 0.375
    again = cutmix_seg_masks(300, 64, 64,
                             generator=torch.Generator().manual_seed(2))
    assert torch.equal(masks, again)
    assert not cutmix_seg_masks(4, 8, 8, area_range=(0.0, 0.0)).any()
    with pytest.raises(ValueError, match='area_range'):
        cutmix_seg_masks(1, 4, 4, area_range=(0.5, 0.25))
    for bad in ((0.1, 0.2, 0.3), ('a', 'b'), 0.5):
        with pytest.raises(ValueError, match='two numbers'):
            cutmix_seg_masks(1, 4, 4, area_range=bad)
    for bad in (0, 2.5, '3', True):
        with pytest.raises(ValueError, match='num_boxes'):
            cutmix_seg_masks(1, 4, 4, num_boxes=bad)


def test_classmix_takes_half_the_partner_classes():
    labels = torch.zeros(3, 8, 8, dtype=torch.long)
    labels[0, :4] = 1
    labels[0, 4:, :4] = 2
    labels[0, 4:, 4:] = 3  # 4 classes -> 2 drawn
    labels[1, :, :3] = 5  # 2 classes -> 1 drawn
    labels[2] = 7  # 1 class -> 1 drawn
    valid = torch.ones(3, 8, 8, dtype=torch.bool)
    valid[1, :, 6:] = False
    masks = classmix_masks(labels, valid,
                           generator=torch.Generator().manual_seed(0))
    for i, drawn in enumerate((2, 1, 1)):
        chosen = torch.unique(labels[i][masks[i]])
        assert chosen.numel() == drawn
        # every pixel of a chosen class is in the mask (valid ones)
        full = torch.isin(labels[i], chosen) & valid[i]
        assert torch.equal(masks[i], full)
    assert not masks[1][:, 6:].any()


def test_mixing_keeps_images_and_pseudo_labels_aligned():
    """An image whose pixels encode their label stays decodable after
    mixing with the same mask: image and label moved together."""
    gen = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 5, (4, 16, 16), generator=gen)
    images = torch.stack([labels.float() * 10, -labels.float(),
                          labels.float() + 0.5], dim=1)
    probs = torch.nn.functional.one_hot(labels, 5).permute(0, 3, 1, 2).float()
    partner = partner_index(4)
    assert partner.tolist() == [1, 2, 3, 0]
    for masks in (cutmix_masks(4, 16, 16, prob=1.0, generator=gen),
                  classmix_masks(labels[partner], generator=gen)):
        mixed_img = mix(images, images[partner], masks)
        mixed_lab = mix(labels, labels[partner], masks)
        mixed_prob = mix(probs, probs[partner], masks)
        assert torch.equal(mixed_img[:, 0] / 10, mixed_lab.float())
        assert torch.equal(mixed_prob.argmax(1), mixed_lab)
        assert torch.equal(mixed_lab[masks], labels[partner][masks])
        assert torch.equal(mixed_lab[~masks], labels[~masks])
    with pytest.raises(ValueError, match='cannot mix'):
        mix(images, images[:2], masks)
    with pytest.raises(ValueError, match='mask shape'):
        mix(images, images, masks[:, :8])
