"""CutMix and ClassMix masks, applied to a batch after the teacher.

The geometry of semi-supervised training happens in two places: each
unlabelled image's crop / flip / scale is drawn once by the data pipeline
and shared by its weak and strong views (``MultiBranch`` after the common
transforms), and mixing happens here, on the batch, after the teacher has
labelled the weak views, so that one mask moves image pixels, pseudo labels,
teacher probabilities and the padding mask together (:func:`mix`).

Each image ``i`` of the batch is mixed with the partner ``(i + 1) % N``
(:func:`partner_index`): pixels where the mask is True come from the
partner.

- CutMix (Yun et al., ICCV 2019; for segmentation French et al., BMVC
  2020): one box per image with probability ``prob``; the box sampler
  follows the public UniMatch code (Yang et al., CVPR 2023,
  github.com/LiheYoung/UniMatch, MIT): area uniform in 2-40 % of the image,
  aspect ratio uniform in [0.3, 1/0.3], top-left corner uniform, redrawn
  until the box fits.
- CutMix-Seg boxes (:func:`cutmix_seg_masks`; French et al., BMVC 2020,
  github.com/Britefury/cutmix-semisup-seg, MIT, whose box mask generator
  the public CPS code uses: github.com/charlesCXK/TorchSemiSeg, MIT): every
  image gets ``num_boxes`` boxes, each of area ``p / num_boxes`` of the
  image with ``p`` uniform in ``area_range`` (CPS: 3 boxes, ``p`` in
  [0.25, 0.5]), height fraction ``p ** u`` (``u`` uniform in [0, 1]) and
  width fraction ``p / p ** u``, both scaled by ``sqrt(1 / num_boxes)``
  and rounded, the corner uniform within the image; overlapping boxes
  cancel (each box flips the mask), as in that generator.
- ClassMix (Olsson et al., WACV 2021): half of the classes of the partner's
  pseudo label (``(n + n % 2) // 2`` of its ``n`` classes, drawn without
  replacement, as DACS does), and the mask is the partner's pixels of
  those classes.
"""
import math
from typing import Optional, Sequence

import torch
from torch import Tensor

__all__ = [
    'cutmix_masks', 'cutmix_seg_masks', 'classmix_masks', 'partner_index',
    'mix'
]

#: Redraws of the aspect ratio and corner before a box is clipped to fit.
MAX_BOX_TRIES = 100


def _uniform(low: float, high: float,
             generator: Optional[torch.Generator]) -> float:
    return low + (high - low) * float(torch.rand((), generator=generator))


def _randint(high: int, generator: Optional[torch.Generator]) -> int:
    return int(torch.randint(high, (), generator=generator))


def cutmix_masks(num: int, height: int, width: int, prob: float = 0.5,
                 area_range: Sequence[float] = (0.02, 0.4),
                 ratio_range: Sequence[float] = (0.3, 1 / 0.3),
                 generator: Optional[torch.Generator] = None,
                 device: Optional[torch.device] = None) -> Tensor:
    """One CutMix box per image (with probability ``prob``).

    Args:
        num (int): Number of images.
        height (int): Mask height.
        width (int): Mask width.
        prob (float): Probability that an image gets a box. Defaults to 0.5.
        area_range (Sequence[float]): Box area as a fraction of the image.
        ratio_range (Sequence[float]): Aspect ratio ``h / w`` range.
        generator (torch.Generator, optional): CPU random generator.
        device (torch.device, optional): Device of the result.

    Returns:
        Tensor: ``(num, height, width)`` bool, True inside the box.
    """
    if not 0.0 <= prob <= 1.0:
        raise ValueError(f'prob must be in [0, 1], got {prob}')
    masks = torch.zeros(num, height, width, dtype=torch.bool)
    for i in range(num):
        if float(torch.rand((), generator=generator)) >= prob:
            continue
        area = _uniform(*area_range, generator) * height * width
        for _ in range(MAX_BOX_TRIES):
            ratio = _uniform(*ratio_range, generator)
            box_w = int(math.sqrt(area / ratio))
            box_h = int(math.sqrt(area * ratio))
            x, y = _randint(width, generator), _randint(height, generator)
            if x + box_w <= width and y + box_h <= height:
                break
        else:  # a very elongated image: clip the last box into it
            box_w, box_h = min(box_w, width), min(box_h, height)
            x = _randint(width - box_w + 1, generator)
            y = _randint(height - box_h + 1, generator)
        masks[i, y:y + box_h, x:x + box_w] = True
    return masks.to(device) if device is not None else masks


def cutmix_seg_masks(num: int, height: int, width: int, num_boxes: int = 3,
                     area_range: Sequence[float] = (0.25, 0.5),
                     generator: Optional[torch.Generator] = None,
                     device: Optional[torch.device] = None) -> Tensor:
    """CutMix-Seg / CPS box masks: ``num_boxes`` boxes in every image.

    Args:
        num (int): Number of images.
        height (int): Mask height.
        width (int): Mask width.
        num_boxes (int): Boxes per image. Defaults to 3 (CPS).
        area_range (Sequence[float]): Range of ``p``, the summed box area
            as a fraction of the image before overlaps (each box covers
            ``p / num_boxes``). Defaults to (0.25, 0.5) (CPS).
        generator (torch.Generator, optional): CPU random generator.
        device (torch.device, optional): Device of the result.

    Returns:
        Tensor: ``(num, height, width)`` bool, True where an odd number of
        boxes covers the pixel.
    """
    try:
        low, high = (float(v) for v in area_range)
    except (TypeError, ValueError):
        raise ValueError('area_range must be two numbers (low, high), got '
                         f'{area_range!r}') from None
    if not 0.0 <= low <= high <= 1.0:
        raise ValueError('area_range must satisfy 0 <= low <= high <= 1, '
                         f'got {tuple(area_range)}')
    if (isinstance(num_boxes, bool) or not isinstance(num_boxes, int)
            or num_boxes < 1):
        raise ValueError(f'num_boxes must be a positive integer, got '
                         f'{num_boxes!r}')
    shape = (num, num_boxes)
    props = low + (high - low) * torch.rand(shape, generator=generator,
                                            dtype=torch.float64)
    y_props = torch.exp(torch.rand(shape, generator=generator,
                                   dtype=torch.float64) * torch.log(props))
    x_props = props / y_props
    scale = math.sqrt(1.0 / num_boxes)
    sizes = torch.stack([y_props * scale * height, x_props * scale * width],
                        dim=-1)
    sizes = torch.where(props[..., None] > 0, sizes.round(),
                        torch.zeros_like(sizes))
    room = torch.tensor([height, width], dtype=torch.float64) - sizes
    corners = (room * torch.rand(sizes.shape, generator=generator,
                                 dtype=torch.float64)).round()
    masks = torch.zeros(num, height, width, dtype=torch.bool)
    for i in range(num):
        for (y0, x0), (box_h, box_w) in zip(corners[i].long().tolist(),
                                            sizes[i].long().tolist()):
            masks[i, y0:y0 + box_h, x0:x0 + box_w] ^= True
    return masks.to(device) if device is not None else masks


def classmix_masks(labels: Tensor, valid: Optional[Tensor] = None,
                   generator: Optional[torch.Generator] = None) -> Tensor:
    """ClassMix masks from the pseudo labels of the images mixed in.

    Args:
        labels (Tensor): ``(N, H, W)`` class ids of the images whose pixels
            are pasted (the partners).
        valid (Tensor, optional): ``(N, H, W)`` bool; classes are drawn from
            valid pixels only (padding excluded).
        generator (torch.Generator, optional): CPU random generator.

    Returns:
        Tensor: ``(N, H, W)`` bool, True on the drawn classes' pixels.
    """
    masks = torch.zeros_like(labels, dtype=torch.bool)
    for i in range(labels.shape[0]):
        present = labels[i] if valid is None else labels[i][valid[i]]
        classes = torch.unique(present).cpu()
        if classes.numel() == 0:
            continue
        num = (classes.numel() + classes.numel() % 2) // 2
        chosen = classes[torch.randperm(classes.numel(),
                                        generator=generator)[:num]]
        masks[i] = torch.isin(labels[i], chosen.to(labels.device))
        if valid is not None:
            masks[i] &= valid[i]
    return masks


def partner_index(num: int, device: Optional[torch.device] = None) -> Tensor:
    """``(i + 1) % num``: the image each image of the batch is mixed with."""
    return torch.roll(torch.arange(num, device=device), -1)


def mix(target: Tensor, source: Tensor, masks: Tensor) -> Tensor:
    """``source`` where ``masks`` is True, else ``target``.

    Args:
        target (Tensor): ``(N, ...)`` images ``(N, C, H, W)``, label maps
            ``(N, H, W)`` or probabilities ``(N, K, H, W)``.
        source (Tensor): Same shape as ``target``.
        masks (Tensor): ``(N, H, W)`` bool.

    Returns:
        Tensor: The mixed batch (a new tensor).
    """
    if target.shape != source.shape:
        raise ValueError(f'cannot mix shapes {tuple(target.shape)} and '
                         f'{tuple(source.shape)}')
    if masks.shape != target.shape[:1] + target.shape[-2:]:
        raise ValueError(f'mask shape {tuple(masks.shape)} does not match '
                         f'{tuple(target.shape)}')
    if target.dim() == 4:
        masks = masks[:, None]
    return torch.where(masks, source, target)
