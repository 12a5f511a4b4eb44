"""DumpTestLoop on msrc21_tiny: CAM dumps, resume of a half-done dump,
corrupt files named, label dumps, and PseudoLabelHook."""
import json
import os

import numpy as np
import pytest
from mmengine.config import Config

from mmlabeleff.apis import build_runner
from mmlabeleff.testing.tiny_configs import shrink_tag_stage

CAM_CFG = 'configs/irn/cam_efflite0_1xb8-600iter_msrc21-tags-256x256.py'


def _cam_cfg(root, tags, work_root, **extra):
    cfg = shrink_tag_stage(Config.fromfile(CAM_CFG), root, tags, work_root)
    cfg.model.test_cfg.scales = (1.0, 0.5)
    cfg.merge_from_dict(extra)
    cfg.launcher = 'none'
    return cfg


def _dump(cfg):
    runner = build_runner(cfg)
    return runner, runner.test()


@pytest.fixture(scope='module')
def trained_cam(msrc21_tiny_root, msrc21_tiny_tags, tmp_path_factory):
    work = tmp_path_factory.mktemp('cam_work')
    cfg = _cam_cfg(msrc21_tiny_root, msrc21_tiny_tags, work)
    build_runner(cfg).train()
    return work, os.path.join(str(work), 'cam', 'iter_2.pth')


def test_cam_dump_writes_every_image_and_scores_seeds(
        msrc21_tiny_root, msrc21_tiny_tags, trained_cam, tmp_path):
    work, ckpt = trained_cam
    cfg = _cam_cfg(msrc21_tiny_root, msrc21_tiny_tags, work,
                   test_cfg=dict(dump_dir=str(tmp_path / 'dump')), load_from=ckpt)
    cfg.work_dir = str(tmp_path / 'w')
    _, metrics = _dump(cfg)
    files = sorted(os.listdir(tmp_path / 'dump'))
    assert files == ['1_1_s.npz', '1_2_s.npz', '6_1_s.npz', '9_3_s.npz',
                     'manifest.json']
    with np.load(tmp_path / 'dump' / '1_2_s.npz') as data:
        # the tags of 1_2_s are classes 1, 3, 4; CAMs at the 48x64 image size
        assert data['cam_labels'].tolist() == [1, 3, 4]
        assert data['cams'].shape == (3, 48, 64)
        assert data['strided_cams'].shape == (3, 12, 16)
        peaks = data['cams'].reshape(3, -1).max(1)  # max / (max + 1e-5)
        assert (peaks > 0.99).all() and (peaks <= 1).all()
    manifest = json.loads((tmp_path / 'dump' / 'manifest.json').read_text())
    assert manifest['computed'] == 4 and manifest['reused'] == 0
    assert 0 <= metrics['seed/mIoU'] <= 100
    assert manifest['metrics']['seed/mIoU'] == pytest.approx(metrics['seed/mIoU'])


def test_resume_computes_only_missing_images(msrc21_tiny_root, msrc21_tiny_tags,
                                             trained_cam, tmp_path):
    work, ckpt = trained_cam
    dump = tmp_path / 'dump'
    cfg = _cam_cfg(msrc21_tiny_root, msrc21_tiny_tags, work,
                   test_cfg=dict(dump_dir=str(dump)), load_from=ckpt)
    cfg.work_dir = str(tmp_path / 'w')
    _, first = _dump(cfg)
    kept = {n: os.stat(dump / n).st_mtime_ns for n in ('1_1_s.npz', '6_1_s.npz')}
    os.remove(dump / '1_2_s.npz')
    os.remove(dump / '9_3_s.npz')
    runner, second = _dump(cfg.copy())
    manifest = json.loads((dump / 'manifest.json').read_text())
    assert (manifest['computed'], manifest['reused']) == (2, 2)
    assert {n: os.stat(dump / n).st_mtime_ns for n in kept} == kept  # untouched
    assert second['seed/mIoU'] == pytest.approx(first['seed/mIoU'])


def test_corrupt_dump_file_is_named(msrc21_tiny_root, msrc21_tiny_tags, trained_cam,
                                    tmp_path):
    work, ckpt = trained_cam
    dump = tmp_path / 'dump'
    cfg = _cam_cfg(msrc21_tiny_root, msrc21_tiny_tags, work,
                   test_cfg=dict(dump_dir=str(dump)), load_from=ckpt)
    cfg.work_dir = str(tmp_path / 'w')
    _dump(cfg)
    bad = dump / '6_1_s.npz'
    bad.write_bytes(bad.read_bytes()[:100])  # truncated
    with pytest.raises(ValueError, match='6_1_s.npz.*corrupt or truncated'):
        _dump(cfg.copy())


def test_pseudo_label_hook_dumps_after_training(msrc21_tiny_root, msrc21_tiny_tags,
                                                tmp_path):
    cfg = _cam_cfg(msrc21_tiny_root, msrc21_tiny_tags, tmp_path,
                   custom_hooks=[dict(type='PseudoLabelHook')])
    build_runner(cfg).train()
    assert (tmp_path / 'cam_dump' / 'manifest.json').is_file()
    assert len(list((tmp_path / 'cam_dump').glob('*.npz'))) == 4
