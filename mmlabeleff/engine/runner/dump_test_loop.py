"""A resumable test loop that writes each image's prediction to a file."""
import os.path as osp
import time
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.dist import is_main_process
from mmengine.logging import print_log
from mmengine.runner import TestLoop
from mmengine.runner.amp import autocast
from mmengine.structures import PixelData

from mmlabeleff.registry import LOOPS
from mmlabeleff.structures.cam_dump import (
    cam_seed,
    dump_path,
    load_cam_dump,
    load_label_png,
    save_cam_dump,
)
from mmlabeleff.utils.atomic_io import dump_json_atomic, save_png_atomic

__all__ = ['DumpTestLoop']

DUMP_TYPES = ('cams', 'labels')


@LOOPS.register_module()
class DumpTestLoop(TestLoop):
    """mmengine's ``TestLoop`` that writes every prediction to a dump folder,
    skips the images already there and evaluates all of them.

    Each image's output is written atomically (temporary file + rename) as
    ``<dump_dir>/<image_id>.npz`` (``dump_type='cams'``, see
    :mod:`mmlabeleff.structures.cam_dump`) or ``<dump_dir>/<sub>/<id>.png``
    for every ``field: sub`` of ``label_fields`` (``dump_type='labels'``:
    uint8 label maps, 255 for ignored pixels, the data layer's format, so a
    dataset's ``seg_map_root`` can point at them). A batch whose images all
    have their files is not run through the model: its files are read back
    instead (a corrupt file stops the run with an error naming it). The
    evaluator always sees the stored values, computed or read, so a resumed
    run reports the same numbers as an uninterrupted one. Progress, the
    distributed sampler and hooks are the Runner's; run it with
    ``tools/test.py CONFIG CHECKPOINT`` (one or more processes).

    At the end the main process writes ``<dump_dir>/manifest.json``: the
    number of images computed and reused, the metrics and the wall time.
    The pipeline runner (:mod:`mmlabeleff.apis.pipeline`) takes it as the
    sign that the stage is done.

    Args:
        runner (Runner): The runner.
        dataloader (Dataloader | dict): The images to dump.
        evaluator (Evaluator | dict | list): Metrics of the dumped outputs.
        dump_dir (str): Output folder (created).
        dump_type (str): ``'cams'`` or ``'labels'``. Defaults to ``'cams'``.
        label_fields (dict): ``{data sample field: sub-folder}`` of the
            label maps (``'labels'`` only). Defaults to
            ``{'pred_sem_seg': 'pred'}``.
        background_index (int, optional): For ``'cams'``: the background
            class of the seed put in ``pred_sem_seg`` (see
            :func:`~mmlabeleff.structures.cam_seed`). Defaults to None.
        bg_threshold (float): Its plane value. Defaults to 0.15.
        fp16 (bool): Autocast the model. Defaults to False.
    """

    def __init__(self,
                 runner,
                 dataloader,
                 evaluator: Union[dict, list],
                 dump_dir: str,
                 dump_type: str = 'cams',
                 label_fields: Optional[Dict[str, str]] = None,
                 background_index: Optional[int] = None,
                 bg_threshold: float = 0.15,
                 fp16: bool = False) -> None:
        super().__init__(runner, dataloader, evaluator, fp16=fp16)
        if dump_type not in DUMP_TYPES:
            raise ValueError(f'dump_type must be one of {DUMP_TYPES}, got '
                             f'{dump_type!r}')
        if not dump_dir:
            raise ValueError('DumpTestLoop needs a dump_dir')
        self.dump_dir = dump_dir
        self.dump_type = dump_type
        self.label_fields = dict(label_fields or {'pred_sem_seg': 'pred'})
        if dump_type == 'labels' and not self.label_fields:
            raise ValueError('label_fields must name at least one field')
        self.background_index = background_index
        self.bg_threshold = bg_threshold
        self.num_computed = 0
        self.num_reused = 0

    # ------------------------------------------------------------------
    def files_of(self, img_path: str) -> List[str]:
        """The files one image's output is written to."""
        if self.dump_type == 'cams':
            return [dump_path(self.dump_dir, img_path)]
        return [
            dump_path(osp.join(self.dump_dir, sub), img_path, '.png')
            for sub in self.label_fields.values()
        ]

    def is_done(self, sample) -> bool:
        """Whether all files of the sample's image exist."""
        return all(osp.isfile(f) for f in self.files_of(sample.img_path))

    def save(self, sample) -> None:
        """Write the prediction of one sample atomically."""
        img_path = sample.img_path
        if self.dump_type == 'cams':
            save_cam_dump(
                dump_path(self.dump_dir, img_path), sample.cams.data,
                sample.strided_cams.data, sample.cam_labels,
                sample.cams.data.shape[-2:])
            return
        for field, sub in self.label_fields.items():
            if field not in sample:
                raise KeyError(f'{img_path}: the model output has no {field!r} '
                               f'(label_fields {self.label_fields})')
            label = sample.get(field).data.squeeze(0).cpu().numpy()
            if label.min() < 0 or label.max() > 255:
                raise ValueError(f'{img_path}: {field} holds values outside '
                                 '0..255')
            save_png_atomic(
                dump_path(osp.join(self.dump_dir, sub), img_path, '.png'),
                label.astype(np.uint8))

    def load(self, sample):
        """Put the stored prediction of the sample's image into it."""
        img_path = sample.img_path
        if self.dump_type == 'cams':
            arrays = load_cam_dump(dump_path(self.dump_dir, img_path))
            cams = torch.from_numpy(arrays['cams'].astype(np.float32))
            labels = arrays['cam_labels'].tolist()
            sample.set_metainfo(dict(cam_labels=labels))
            sample.cams = PixelData(data=cams)
            sample.strided_cams = PixelData(
                data=torch.from_numpy(arrays['strided_cams'].astype(np.float32)))
            threshold = self.bg_threshold if self.background_index is not None else None
            sample.pred_sem_seg = PixelData(data=cam_seed(
                cams, labels, self.background_index, threshold)[None])
            return sample
        for field, sub in self.label_fields.items():
            label = load_label_png(
                dump_path(osp.join(self.dump_dir, sub), img_path, '.png'))
            sample.set_field(PixelData(data=torch.from_numpy(
                label.astype(np.int64))[None]), field)
        return sample

    # ------------------------------------------------------------------
    def run(self) -> dict:
        """Dump and evaluate every image; write the manifest."""
        start = time.time()
        self.num_computed = self.num_reused = 0
        metrics = super().run()
        if is_main_process():
            manifest = dict(
                dump_type=self.dump_type,
                num_images=len(self.dataloader.dataset),
                computed=self.num_computed,
                reused=self.num_reused,
                seconds=round(time.time() - start, 1),
                metrics={k: (float(v) if isinstance(v, (int, float, np.floating))
                             else str(v)) for k, v in metrics.items()})
            dump_json_atomic(osp.join(self.dump_dir, 'manifest.json'), manifest,
                             indent=2)
            print_log(f'DumpTestLoop: {self.num_computed} images computed, '
                      f'{self.num_reused} read back from {self.dump_dir}',
                      logger='current')
        return metrics

    @torch.no_grad()
    def run_iter(self, idx, data_batch: Sequence[dict]) -> None:
        """Compute (or read back) one batch, write it and evaluate it."""
        self.runner.call_hook('before_test_iter', batch_idx=idx,
                              data_batch=data_batch)
        samples = data_batch['data_samples']
        if all(self.is_done(s) for s in samples):
            outputs = [self.load(s.clone()) for s in samples]
            self.num_reused += len(samples)
        else:
            with autocast(enabled=self.fp16):
                outputs = self.runner.model.test_step(data_batch)
            for sample in outputs:
                self.save(sample)
            # the evaluator sees what was stored (float16 CAMs, uint8 labels)
            outputs = [self.load(s) for s in outputs]
            self.num_computed += len(samples)
        self.evaluator.process(data_samples=outputs, data_batch=data_batch)
        self.runner.call_hook('after_test_iter', batch_idx=idx,
                              data_batch=data_batch, outputs=outputs)
