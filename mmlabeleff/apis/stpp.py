"""The stages of ST++ for ``tools/pseudo_label/run_pipeline.py``.

ST++ (Yang et al., "ST++: Make Self-training Work Better for
Semi-supervised Semantic Segmentation", CVPR 2022; public code
github.com/LiheYoung/ST-PlusPlus, MIT) is offline self-training: a
supervised model's checkpoints label the unlabelled images, the images
whose earlier predictions agree best with the final one are reliable, a
model retrained on labelled + reliable images relabels the unreliable ones,
and a last model is trained on all of them. :func:`stpp_stages` writes that
chain as pipeline stages, so that a pipeline config of any data set is a
few lines::

    from mmlabeleff.apis.stpp import stpp_stages
    stages = stpp_stages(
        sup_config='configs/.../supervised_....py',
        label_config='configs/.../stpp-label_....py',
        retrain1_config='configs/.../stpp-r1_....py',
        final_config='configs/.../stpp_....py',
        root='work_dirs/stpp_...', checkpoints=(500, 1000, 1500, 2000),
        labeled_split='data/camvid_semi/1_8/labeled.txt',
        unlabeled_split='data/camvid_semi/1_8/unlabeled.txt',
        num_classes=11)

Every path that depends on ``root`` or on the split is passed to the stage
configs as ``cfg_options``, so one set of stage configs serves every split
of a data set: the labelling config's ``test_dataloader.dataset.ann_file``
and ``test_cfg.dump_dir``; the retraining configs' sources
``train_dataloader.dataset.datasets.{0,1,2}`` (labelled, reliable,
unreliable: ``ann_file`` and, for the pseudo-labelled ones,
``seg_map_root``). Split files are given relative to the working directory
(the repository root) and passed as absolute paths, which the datasets take
as they are (a relative ``ann_file`` would be read under ``data_root``).
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence

from mmengine.config import Config

__all__ = ['stpp_stages', 'stpp_split_stages']


def stpp_stages(sup_config: str,
                label_config: str,
                retrain1_config: str,
                final_config: str,
                root: str,
                checkpoints: Sequence[int],
                labeled_split: str,
                unlabeled_split: str,
                num_classes: int,
                sup_work_dir: Optional[str] = None,
                ratio: float = 0.5,
                sup_options: Optional[Dict[str, object]] = None,
                train_options: Optional[Dict[str, object]] = None
                ) -> List[dict]:
    """The ST++ chain as ``stages`` of a pipeline config.

    Stages, in order: ``sup`` (train ``sup_config``), ``label_<it>`` (the
    checkpoint of iteration ``it`` of ``sup`` labels the unlabelled images,
    ``<root>/label_<it>/pred``), ``select`` (stability over the dumps,
    ``<root>/select/{reliable,unreliable}.txt``), ``retrain1`` (labelled +
    reliable, ``<root>/retrain1``), ``relabel`` (its final checkpoint
    labels the unreliable images, ``<root>/label_r1/pred``), ``final``
    (labelled + reliable + relabelled unreliable, ``<root>/final``: ST++'s
    result).

    Args:
        sup_config (str): The supervised-only recipe on the labelled images;
            it must keep the checkpoints of ``checkpoints``.
        label_config (str): A ``DumpTestLoop`` config whose test set is the
            unlabelled images (``dump_type='labels'``,
            ``label_fields=dict(pred_sem_seg='pred')``).
        retrain1_config (str): Training on a ``ConcatDataset`` of the
            labelled images (source 0) and the reliable pseudo-labelled ones
            (source 1).
        final_config (str): As ``retrain1_config`` with the unreliable
            images as source 2.
        root (str): Folder of the chain's outputs.
        checkpoints (Sequence[int]): Iterations of ``sup`` whose checkpoints
            label the unlabelled images, increasing; the last one is the
            final model whose labels the reliable images keep. At least two.
        labeled_split (str): The labelled images' split file.
        unlabeled_split (str): The unlabelled images' split file.
        num_classes (int): Classes of the dumps (for the stability IoU).
        sup_work_dir (str, optional): Work dir of ``sup``. Defaults to
            ``work_dirs/<sup_config name>`` (so a supervised-only run that
            kept its checkpoints is reused).
        ratio (float): Fraction of the unlabelled images kept as reliable.
            Defaults to 0.5 (ST++).
        sup_options (dict, optional): ``cfg_options`` of ``sup``, e.g. a
            checkpoint interval that keeps ``checkpoints``. Defaults to
            None.
        train_options (dict, optional): ``cfg_options`` of the retraining
            stages (``retrain1``, ``final``), e.g. the split's schedule when
            their configs are another split's. Defaults to None.

    Returns:
        list[dict]: The stages.
    """
    checkpoints = [int(it) for it in checkpoints]
    if len(checkpoints) < 2 or sorted(set(checkpoints)) != checkpoints:
        raise ValueError('checkpoints must be at least two increasing '
                         f'iterations, got {checkpoints}')
    sup_work_dir = sup_work_dir or osp.join(
        'work_dirs', osp.splitext(osp.basename(sup_config))[0])
    train_options = dict(train_options or {})
    select_dir = f'{root}/select'
    reliable = osp.abspath(f'{select_dir}/reliable.txt')
    unreliable = osp.abspath(f'{select_dir}/unreliable.txt')
    final_labels = f'{root}/label_{checkpoints[-1]}/pred'
    sources = 'train_dataloader.dataset.datasets'
    retrain_options = {
        **train_options,
        f'{sources}.0.ann_file': osp.abspath(labeled_split),
        f'{sources}.1.ann_file': reliable,
        f'{sources}.1.seg_map_root': final_labels,
    }
    stages = [dict(name='sup', config=sup_config, steps=('train', ),
                   work_dir=sup_work_dir, cfg_options=dict(sup_options or {}))]
    stages += [
        dict(name=f'label_{it}', config=label_config, steps=('test', ),
             checkpoint=f'{sup_work_dir}/iter_{it}.pth',
             cfg_options={
                 'test_cfg.dump_dir': f'{root}/label_{it}',
                 'test_dataloader.dataset.ann_file':
                 osp.abspath(unlabeled_split)
             }) for it in checkpoints
    ]
    stages += [
        dict(name='select', steps=('select', ),
             select=dict(dumps=[f'{root}/label_{it}/pred'
                                for it in checkpoints],
                         split=unlabeled_split, out_dir=select_dir,
                         num_classes=num_classes, ratio=ratio)),
        dict(name='retrain1', config=retrain1_config, steps=('train', ),
             work_dir=f'{root}/retrain1', cfg_options=retrain_options),
    ]
    # the retrained model's final checkpoint: its config's schedule (with
    # the training options) decides the iteration, as for any train step
    retrain_cfg = Config.fromfile(retrain1_config)
    retrain_cfg.merge_from_dict(train_options)
    retrain_iters = retrain_cfg.train_cfg.max_iters
    stages += [
        dict(name='relabel', config=label_config, steps=('test', ),
             checkpoint=f'{root}/retrain1/iter_{retrain_iters}.pth',
             cfg_options={
                 'test_cfg.dump_dir': f'{root}/label_r1',
                 'test_dataloader.dataset.ann_file': unreliable
             }),
        dict(name='final', config=final_config, steps=('train', ),
             work_dir=f'{root}/final',
             cfg_options={
                 **retrain_options,
                 f'{sources}.2.ann_file': unreliable,
                 f'{sources}.2.seg_map_root': f'{root}/label_r1/pred',
             }),
    ]
    return stages


def stpp_split_stages(sup_config: str,
                      stage_configs: str,
                      root: str,
                      max_iters: int,
                      data_root: str,
                      split: str,
                      num_classes: int) -> List[dict]:
    """ST++ on one split of a data set whose stage configs serve every split
    (the PASCAL VOC and Cityscapes pipelines).

    The supervised run (``<root>/sup``) keeps a checkpoint every
    ``max_iters // 8`` iterations; those of 2/8, 5/8 and 8/8 of the schedule
    label the unlabelled images (the public script's epochs 20, 50 and 80 of
    80); the retrainings get the split's schedule (``max_iters``, validation
    and checkpoints every ``max_iters // 10``) and files.

    Args:
        sup_config (str): The split's supervised-only recipe.
        stage_configs (str): Path of the stage configs with ``{}`` for
            ``stpp-label`` / ``stpp-r1`` / ``stpp``.
        root (str): Folder of the chain's outputs.
        max_iters (int): The split's schedule, a multiple of 8.
        data_root (str): The data set's folder, holding
            ``splits/<split>/{labeled,unlabeled}.txt``.
        split (str): The split's folder name.
        num_classes (int): Classes of the dumps.

    Returns:
        list[dict]: The stages (:func:`stpp_stages`).
    """
    if max_iters % 8:
        raise ValueError(f'max_iters must be a multiple of 8, got {max_iters}')
    return stpp_stages(
        sup_config=sup_config,
        label_config=stage_configs.format('stpp-label'),
        retrain1_config=stage_configs.format('stpp-r1'),
        final_config=stage_configs.format('stpp'),
        root=root,
        sup_work_dir=f'{root}/sup',
        checkpoints=[max_iters * i // 8 for i in (2, 5, 8)],
        labeled_split=f'{data_root}/splits/{split}/labeled.txt',
        unlabeled_split=f'{data_root}/splits/{split}/unlabeled.txt',
        num_classes=num_classes,
        sup_options={'default_hooks.checkpoint.interval': max_iters // 8,
                     'default_hooks.checkpoint.max_keep_ckpts': -1},
        train_options={
            'train_cfg.max_iters': max_iters,
            'train_cfg.val_interval': max_iters // 10,
            'param_scheduler.0.end': max_iters,
            'default_hooks.checkpoint.interval': max_iters // 10,
        })
