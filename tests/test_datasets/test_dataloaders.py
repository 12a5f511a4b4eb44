"""Every dataset config of configs/_base_/datasets builds a real dataloader.

Each config is pointed at the matching tiny fake dataset of tests/data (only
roots, split files and folders change; the pipelines, samplers and dataset
options are the config's own), built with mmengine's
``Runner.build_dataloader`` and its first batch is checked against the label
convention of :mod:`mmlabeleff.structures.label_convention`.
"""

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mmlabeleff.testing.fake_datasets import LABEL_FIELDS, PACKED_FIELDS
from mmlabeleff.testing.script_loader import REPO_ROOT

REPO = REPO_ROOT
DATA = REPO / 'tests' / 'data'
CONFIG_DIR = REPO / 'configs' / '_base_' / 'datasets'
CITYSCAPES = DATA / 'cityscapes_tiny'

#: Label fields that ``PackWeakSegInputs`` packs for each supervision.
FIELDS = PACKED_FIELDS


def _voc(cfg, tmp_path, weak_root):
    root = str(DATA / 'voc_tiny' / 'VOCdevkit' / 'VOC2012')
    cfg.train_dataloader.dataset.data_root = root
    cfg.val_dataloader.dataset.data_root = root


def _pascal_context(cfg, tmp_path, weak_root):
    root = str(DATA / 'pascal_context_tiny' / 'VOCdevkit' / 'VOC2010')
    cfg.train_dataloader.dataset.data_root = root
    cfg.val_dataloader.dataset.data_root = root


def _pascal_context60(cfg, tmp_path, weak_root):
    """pascal_context_tiny with 60-class scribbles from the ScribbleSup
    converter (``--dataset context60``), the layout the config reads."""
    from mmlabeleff.structures.scribblesup import convert_scribblesup
    from mmlabeleff.testing.fake_datasets import copy_tiny
    root = copy_tiny('pascal_context', tmp_path / 'VOC2010')
    xml = DATA / 'pascal_context_tiny' / 'scribble_annotation' / 'pascal_context'
    convert_scribblesup(str(xml), str(root / 'ScribbleSup'), dataset='context60')
    cfg.train_dataloader.dataset.data_root = str(root)
    cfg.val_dataloader.dataset.data_root = str(root)


def _coco(cfg, tmp_path, weak_root):
    # coco_tiny has train2017 (not train2014) and val2014
    train = cfg.train_dataloader.dataset
    train.update(
        data_root=str(DATA / 'coco_tiny'),
        ann_file='annotations/instances_train2017.json',
        data_prefix=dict(
            img_path='train2017', seg_map_path='semantic/train2017'))
    cfg.val_dataloader.dataset.data_root = str(DATA / 'coco_tiny')


def _coco2017(cfg, tmp_path, weak_root):
    # coco_tiny's val split is val2014: point the 2017 val set at it
    _coco(cfg, tmp_path, weak_root)
    cfg.val_dataloader.dataset.update(
        ann_file='annotations/instances_val2014.json',
        data_prefix=dict(img_path='val2014', seg_map_path='semantic/val2014'))


def _cityscapes_weak(cfg, tmp_path, weak_root):
    labeled, unlabeled = cfg.train_dataloader.dataset.datasets
    for sub, split in ((labeled, 'labeled'), (unlabeled, 'unlabeled')):
        sub.update(data_root=str(CITYSCAPES),
                   ann_file=f'splits/train_{split}.txt')
    # the sampler draws batch_size indices per batch itself
    cfg.train_dataloader.sampler.batch_size = 2
    cfg.val_dataloader.dataset.data_root = str(CITYSCAPES)


def _uda_source(name):

    def point(cfg, tmp_path, weak_root):
        cfg.train_dataloader.dataset.data_root = str(DATA / name)
        cfg.val_dataloader.dataset.data_root = str(CITYSCAPES)

    return point


def _camvid(cfg, tmp_path, weak_root):
    for key in ('train_dataloader', 'val_dataloader'):
        cfg[key].dataset.data_root = str(DATA / 'camvid_tiny')
    if 'weak_root' in cfg.train_dataloader.dataset:
        cfg.train_dataloader.dataset.weak_root = str(weak_root)


def _msrc21(cfg, tmp_path, weak_root):
    for key in ('train_dataloader', 'val_dataloader'):
        cfg[key].dataset.data_root = str(DATA / 'msrc21_tiny')


def _texture_scenes(cfg, tmp_path, weak_root):
    from mmlabeleff.datasets.generators import make_texture_scenes
    root = tmp_path / 'texture_scenes'
    make_texture_scenes(root, num_train=4, num_val=2, size=(32, 40))
    cfg.train_dataloader.dataset.data_root = str(root)
    cfg.val_dataloader.dataset.data_root = str(root)


#: config file -> how to point it at its tiny dataset.
TINY = {
    'camvid.py': _camvid,
    'camvid_weak.py': _camvid,
    'cityscapes_weak.py': _cityscapes_weak,
    'cityscapes_1024x512.py': _uda_source('cityscapes_tiny'),
    'coco2014_weak.py': _coco,
    'coco2017_weak.py': _coco2017,
    'gta5.py': _uda_source('gta5_tiny'),
    'msrc21.py': _msrc21,
    'pascal_context_59_scribble.py': _pascal_context,
    'pascal_context_scribble.py': _pascal_context60,
    'synthia.py': _uda_source('synthia_tiny'),
    'texture_scenes.py': _texture_scenes,
    'voc12_aug_weak.py': _voc,
}


#: Dataset configs whose loaders another test builds: the semi-supervised
#: ones yield multi-branch batches (mmdet MultiBranch), camvid_stpp.py only
#: declares datasets for ST++'s retraining recipes.
ELSEWHERE = {
    'camvid_semi.py': 'tests/test_tools/test_semi_recipes.py',
    'camvid_stpp.py': 'tests/test_tools/test_stpp_pipeline.py',
    'cityscapes_semi.py': 'test_semi_dataset_configs_build_branches',
    'voc12_aug_semi.py': 'test_semi_dataset_configs_build_branches',
}


def test_every_dataset_config_is_covered():
    configs = sorted(p.name for p in CONFIG_DIR.glob('*.py'))
    assert configs == sorted(set(TINY) | set(ELSEWHERE)), (
        'add the new dataset config to TINY in this file')


def _voc_semi(cfg, tmp_path, weak_root):
    root = DATA / 'voc_tiny' / 'VOCdevkit' / 'VOC2012'
    ids = (root / 'ImageSets/Segmentation/train.txt').read_text().split()
    (tmp_path / 'labeled.txt').write_text(ids[0] + '\n')
    (tmp_path / 'unlabeled.txt').write_text('\n'.join(ids[1:]) + '\n')
    for sub, split in zip(cfg.train_dataloader.dataset.datasets,
                          ('labeled', 'unlabeled')):
        sub.update(data_root=str(root),
                   ann_file=str(tmp_path / f'{split}.txt'))
    cfg.train_dataloader.sampler.batch_size = 2
    cfg.val_dataloader.dataset.data_root = str(root)


@pytest.mark.parametrize('name,point', [('cityscapes_semi.py',
                                         _cityscapes_weak),
                                        ('voc12_aug_semi.py', _voc_semi)])
def test_semi_dataset_configs_build_branches(name, point, tmp_path):
    cfg = Config.fromfile(str(CONFIG_DIR / name))
    point(cfg, tmp_path, None)
    cfg.train_dataloader.update(batch_size=2, num_workers=0,
                                persistent_workers=False)
    batch = _first_batch(cfg.train_dataloader)
    branches = cfg.branch_field
    assert set(batch['inputs']) == set(branches)
    sup = [x for x in batch['inputs']['sup'] if x is not None]
    weak = [x for x in batch['inputs']['unsup_teacher'] if x is not None]
    strong = [x for x in batch['inputs']['unsup_student'] if x is not None]
    assert len(sup) == 1 and len(weak) == 1 and len(strong) == 1
    # weak and strong views share the geometry
    assert weak[0].shape == strong[0].shape
    labelled = [s for s in batch['data_samples']['sup'] if s is not None]
    assert 'gt_sem_seg' in labelled[0]


def _tiny_config(name, tmp_path, weak_root):
    cfg = Config.fromfile(str(CONFIG_DIR / name))
    TINY[name](cfg, tmp_path, weak_root)
    for key in ('train_dataloader', 'val_dataloader'):
        cfg[key].update(batch_size=2, num_workers=0, persistent_workers=False)
    return cfg


def _first_batch(loader_cfg):
    init_default_scope('mmlabeleff')
    loader = Runner.build_dataloader(loader_cfg, seed=0)
    return next(iter(loader))


def _packs_weak(pipeline):
    return pipeline[-1]['type'] == 'PackWeakSegInputs'


def _check_sample(sample, supervision, weak_packer):
    fields = LABEL_FIELDS & set(sample.keys())
    assert fields == FIELDS[supervision], (supervision, fields)
    if weak_packer:
        assert sample.metainfo['supervision'] == supervision
        assert sample.metainfo['domain'] in ('source', 'target')
    if 'gt_sem_seg' in sample:
        seg = sample.gt_sem_seg.data
        assert seg.ndim == 3 and seg.shape[0] == 1
    if 'gt_sparse_seg' in sample:
        seg = sample.gt_sparse_seg.data
        assert seg.dtype == torch.long and seg.shape[0] == 1
        assert seg.min() >= 0 and seg.max() <= 255
    if 'gt_image_labels' in sample:
        assert sample.gt_image_labels.dtype == torch.float32
        assert sample.gt_image_labels.sum() > 0
    if 'gt_instances' in sample:
        assert sample.gt_instances.bboxes.shape[-1] == 4
    if 'gt_points' in sample:
        assert sample.gt_points.points.shape[-1] == 2


def _check_batch(batch, supervisions, weak_packer):
    inputs, samples = batch['inputs'], batch['data_samples']
    # 2 images, or 1 when the split has 1 (cityscapes_tiny's val)
    assert isinstance(inputs, list) and len(inputs) in (1, 2)
    assert len(samples) == len(inputs)
    for image, sample in zip(inputs, samples):
        assert image.dtype == torch.uint8 and image.shape[0] == 3
        assert tuple(image.shape[-2:]) == tuple(sample.img_shape)
    for sample, supervision in zip(samples, supervisions):
        _check_sample(sample, supervision, weak_packer)


def _supervisions(dataset_cfg):
    """The supervision of each sample of the first batch."""
    if dataset_cfg.type == 'ConcatDataset':  # MultiSourceSampler, 1:1
        return [d.get('supervision', 'full') for d in dataset_cfg.datasets]
    return [dataset_cfg.get('supervision', 'full')] * 2


@pytest.mark.parametrize('name', sorted(TINY))
def test_dataset_config_builds_dataloaders(name, tmp_path,
                                           camvid_tiny_weak_root):
    cfg = _tiny_config(name, tmp_path, camvid_tiny_weak_root)
    train = cfg.train_dataloader
    pipeline = (train.dataset.datasets[0].pipeline
                if train.dataset.type == 'ConcatDataset'
                else train.dataset.pipeline)
    _check_batch(_first_batch(train), _supervisions(train.dataset),
                 _packs_weak(pipeline))
    _check_batch(_first_batch(cfg.val_dataloader), ['full', 'full'],
                 _packs_weak(cfg.val_dataloader.dataset.pipeline))


@pytest.mark.parametrize('supervision,weak_label', [
    ('full', None), ('tags', None), ('boxes', None),
    ('scribbles', 'scribbles_r000'), ('points', 'points_n1'),
    ('partial', 'partial_f010'), ('unlabeled', None)
])
def test_camvid_weak_config_switches_label_type(supervision, weak_label,
                                                tmp_path,
                                                camvid_tiny_weak_root):
    cfg = _tiny_config('camvid_weak.py', tmp_path, camvid_tiny_weak_root)
    # what the config's comment says to override
    cfg.merge_from_dict({
        'train_dataloader.dataset.supervision': supervision,
        'train_dataloader.dataset.weak_label': weak_label
    })
    _check_batch(_first_batch(cfg.train_dataloader), [supervision] * 2, True)
