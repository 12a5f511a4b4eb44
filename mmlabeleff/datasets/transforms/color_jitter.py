"""Colour jitter whose hue shift works under numpy 2."""
import mmcv
import numpy as np
from mmpretrain.datasets.transforms import ColorJitter as _UpstreamColorJitter
from PIL import Image

from mmlabeleff.registry import TRANSFORMS

__all__ = ['ColorJitter']


def adjust_hue(img: np.ndarray, hue_factor: float) -> np.ndarray:
    """Rotate the hue of a BGR uint8 image by ``hue_factor`` of a turn.

    torchvision's rule (PIL's HSV, hue channel shifted by
    ``int(hue_factor * 255)`` modulo 256), which mmcv's ``adjust_hue``
    implements with ``np.uint8(negative int)``, an error under numpy 2.

    Args:
        img (ndarray): ``(H, W, 3)`` BGR uint8 image.
        hue_factor (float): Shift in ``[-0.5, 0.5]``.

    Returns:
        ndarray: The shifted image, BGR uint8.
    """
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f'hue_factor {hue_factor} is not in [-0.5, 0.5]')
    h, s, v = Image.fromarray(np.ascontiguousarray(img[..., ::-1]),
                              'RGB').convert('HSV').split()
    shift = np.uint8(int(hue_factor * 255) % 256)
    np_h = np.asarray(h, dtype=np.uint8) + shift  # uint8 wraps around
    rgb = Image.merge('HSV', (Image.fromarray(np_h, 'L'), s, v)).convert('RGB')
    return np.asarray(rgb, dtype=np.uint8)[..., ::-1].copy()


@TRANSFORMS.register_module()
class ColorJitter(_UpstreamColorJitter):
    """mmpretrain's ``ColorJitter`` (torchvision's: brightness, contrast,
    saturation and hue in a random order) with a hue shift that also
    works for negative factors under numpy 2 (:func:`adjust_hue`).

    UniMatch's strong view uses ``ColorJitter(0.5, 0.5, 0.5, 0.25)``
    (github.com/LiheYoung/UniMatch, MIT), whose hue factor is negative half
    of the time: upstream then raises ``OverflowError``.

    Args:
        **kwargs: Those of mmpretrain's ``ColorJitter`` (``brightness``,
            ``contrast``, ``saturation``, ``hue``, ``backend``).
    """

    def transform(self, results: dict) -> dict:
        """Jitter ``results['img']`` (one random order of the four steps)."""
        img = results['img']
        order, brightness, contrast, saturation, hue = self._rand_params()
        for step in order:
            if step == 0 and brightness is not None:
                img = mmcv.adjust_brightness(img, brightness,
                                             backend=self.backend)
            elif step == 1 and contrast is not None:
                img = mmcv.adjust_contrast(img, contrast, backend=self.backend)
            elif step == 2 and saturation is not None:
                img = mmcv.adjust_color(img, alpha=saturation,
                                        backend=self.backend)
            elif step == 3 and hue is not None:
                img = adjust_hue(img, hue)
        results['img'] = img
        return results
