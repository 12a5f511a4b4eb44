"""Visualizer of the image-tag pipeline's stages, one row per image."""
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np

from mmlabeleff.registry import VISUALIZERS
from .weak_seg_local_visualizer import WeakSegLocalVisualizer, _to_numpy

__all__ = ['PseudoLabelVisualizer']

#: ``(data sample field, panel title)`` of the label-map panels, in order.
STAGE_FIELDS = (('pred_sem_seg', 'seed'), ('rw_sem_seg', 'random walk'),
                ('crf_sem_seg', 'CRF'), ('gt_sem_seg', 'ground truth'))


@VISUALIZERS.register_module()
class PseudoLabelVisualizer(WeakSegLocalVisualizer):
    """:class:`WeakSegLocalVisualizer` that also draws the stages of a
    pseudo-label pipeline side by side.

    :meth:`draw_stages` (and :meth:`add_datasample` for a sample that holds
    ``cams``) gives one row of titled panels: the image, the CAM of each of
    the image's tags (``cams`` and metainfo ``cam_labels``: a jet heat map
    over the dimmed image), then every label map present among
    ``pred_sem_seg`` (the seed), ``rw_sem_seg`` (random walk),
    ``crf_sem_seg`` and ``gt_sem_seg``, drawn as the parent draws masks
    (uncertain / ignored pixels, 255, darkened). Other samples are drawn as
    the parent does.

    Args:
        name (str): Name of the instance. Defaults to ``'visualizer'``.
        cam_alpha (float): Opacity of the CAM heat map. Defaults to 0.6.
        **kwargs: Those of :class:`WeakSegLocalVisualizer`.
    """

    TITLE_HEIGHT = 18

    def __init__(self, name: str = 'visualizer', cam_alpha: float = 0.6,
                 **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        if not 0 <= cam_alpha <= 1:
            raise ValueError(f'cam_alpha must lie in [0, 1], got {cam_alpha}')
        self.cam_alpha = cam_alpha

    def draw_cam(self, image: np.ndarray, cam) -> np.ndarray:
        """A ``(H, W)`` map in [0, 1] as a jet heat map over the image."""
        cam = np.clip(_to_numpy(cam).astype(np.float32), 0, 1)
        if cam.shape != image.shape[:2]:
            cam = cv2.resize(cam, image.shape[1::-1], interpolation=cv2.INTER_LINEAR)
        heat = cv2.applyColorMap((cam * 255).astype(np.uint8), cv2.COLORMAP_JET)
        heat = heat[..., ::-1].astype(np.float32)  # BGR -> RGB
        out = (1 - self.cam_alpha) * image.astype(np.float32) + self.cam_alpha * heat
        return out.clip(0, 255).astype(np.uint8)

    def _titled(self, picture: np.ndarray, title: str) -> np.ndarray:
        bar = np.full((self.TITLE_HEIGHT, picture.shape[1], 3), 255, np.uint8)
        cv2.putText(bar, title[:40], (3, self.TITLE_HEIGHT - 5),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
        return np.concatenate([bar, picture], axis=0)

    def stage_panels(self, image: np.ndarray,
                     data_sample) -> List[Tuple[str, np.ndarray]]:
        """``(title, picture)`` of every panel of :meth:`draw_stages`."""
        image = np.ascontiguousarray(image, dtype=np.uint8)
        panels = [('image', image)]
        if 'cams' in data_sample:
            cams = _to_numpy(data_sample.cams.data)
            labels = data_sample.metainfo.get('cam_labels', range(len(cams)))
            for cam, label in zip(cams, labels):
                panels.append((f'CAM {self._class_name(int(label))}',
                               self.draw_cam(image, cam)))
        for field, title in STAGE_FIELDS:
            if field in data_sample:
                self.set_image(image)
                self.draw_sem_seg(data_sample.get(field), with_labels=False)
                panels.append((title, self.get_image()))
        return panels

    def draw_stages(self, image: np.ndarray, data_sample,
                    titles: Optional[Sequence[str]] = None) -> np.ndarray:
        """One row: image | CAM of each tag | seed | random walk | CRF |
        ground truth (those present), each panel titled.

        Args:
            image (np.ndarray): RGB ``(H, W, 3)`` image.
            data_sample (SegDataSample): The sample.
            titles (Sequence[str], optional): Replace the panel titles.

        Returns:
            np.ndarray: The ``(H + title, n W, 3)`` uint8 row.
        """
        panels = self.stage_panels(image, data_sample)
        if titles is not None:
            panels = [(t, p) for t, (_, p) in zip(titles, panels)]
        return np.concatenate([self._titled(p, t) for t, p in panels], axis=1)

    def add_datasample(self, name: str, image: np.ndarray, data_sample=None,
                       draw_gt: bool = True, draw_pred: bool = True, show: bool = False,
                       wait_time: float = 0, out_file: Optional[str] = None,
                       step: int = 0, with_labels: Optional[bool] = True) -> None:
        """The stage row for a sample with ``cams``; the parent's picture
        otherwise (same arguments as :meth:`WeakSegLocalVisualizer.add_datasample`)."""
        if data_sample is None or 'cams' not in data_sample:
            return super().add_datasample(name, image, data_sample, draw_gt, draw_pred,
                                          show, wait_time, out_file, step, with_labels)
        from mmlabeleff.utils.atomic_io import save_png_atomic
        drawn = self.draw_stages(image, data_sample)
        if show:
            self.show(drawn, win_name=name, wait_time=wait_time)
        if out_file is not None:
            save_png_atomic(out_file, drawn)
        else:
            self.add_image(name, drawn, step)
