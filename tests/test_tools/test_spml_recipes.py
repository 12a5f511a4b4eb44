"""The SPML CamVid recipes train and validate, and the step benchmark runs
(shrunk to camvid_tiny)."""
import json

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from mmlabeleff.testing.script_loader import REPO_ROOT, load_script
from mmlabeleff.testing.tiny_configs import shrink_weak_recipe, train_subsets

RECIPES = REPO_ROOT / 'configs/spml'
NAMES = ('spml_efflite0_1xb8-2k_camvid-scribbles-176x176.py',
         'spml_efflite0_1xb8-2k_camvid-points-176x176.py',
         'spml-pce_efflite0_1xb8-2k_camvid-scribbles-176x176.py')


def tiny(name, root, weak_root, superpixels, work_dir, cam_dump_dir=None):
    cfg = shrink_weak_recipe(Config.fromfile(str(RECIPES / name)), root,
                             weak_root, work_dir)
    for subset in train_subsets(cfg):
        subset.superpixel_root = str(superpixels)
        for step in subset.pipeline:
            if step['type'] == 'LoadCAMPseudoLabels':
                step['cam_dump_dir'] = str(cam_dump_dir)
                step['label_dir'] = str(work_dir / 'cam_labels')
    return cfg


@pytest.fixture(scope='module')
def camvid_tiny_cam_dump(camvid_tiny_root, tmp_path_factory):
    """CAM dumps of camvid_tiny's train images as the CAM stage writes them:
    each present class's mask, blurred into a soft map with maximum 1."""
    from PIL import Image

    from mmlabeleff.structures import list_split_samples, save_cam_dump
    samples, _, _ = list_split_samples(str(camvid_tiny_root), 'train')
    out = tmp_path_factory.mktemp('camvid_tiny_cam_dump')
    for sample in samples:
        mask = np.asarray(Image.open(sample['seg_map_path']))
        classes = [c for c in np.unique(mask).tolist() if c < 11]
        cams = np.stack([(mask == c).astype(np.float32) * 0.8 + 0.1
                         for c in classes])
        cams /= cams.max(axis=(1, 2), keepdims=True)
        save_cam_dump(str(out / f'{sample["id"]}.npz'), cams,
                      cams[:, ::4, ::4], classes, mask.shape)
    return out


@pytest.mark.parametrize('name', NAMES[:2])
def test_recipe_trains_and_validates(name, camvid_tiny_root,
                                     camvid_tiny_weak_root,
                                     camvid_tiny_superpixels, tmp_path):
    cfg = tiny(name, camvid_tiny_root, camvid_tiny_weak_root,
               camvid_tiny_superpixels, tmp_path)
    runner = Runner.from_cfg(cfg)
    runner.train()
    hub = runner.message_hub
    sem_ann = hub.get_scalar('train/decode.loss_sem_ann').data[0]
    assert len(sem_ann) == 2 and all(v > 0 for v in sem_ann)
    assert len(hub.get_scalar('train/decode.loss_img_sim').data[0]) == 2
    assert 0 <= hub.get_scalar('val/mIoU').current() <= 100


@pytest.mark.parametrize('label', ['tags', 'boxes', 'mixed'])
def test_cam_label_recipes_train(label, camvid_tiny_root, camvid_tiny_weak_root,
                                 camvid_tiny_superpixels, camvid_tiny_cam_dump,
                                 tmp_path):
    name = f'spml_efflite0_1xb8-2k_camvid-{label}-176x176.py'
    cfg = tiny(name, camvid_tiny_root, camvid_tiny_weak_root,
               camvid_tiny_superpixels, tmp_path, camvid_tiny_cam_dump)
    if label == 'mixed':  # half the images are tag images
        cfg.train_dataloader.dataset.fractions = dict(
            full=0.5, scribbles=0.0, points=0.0, tags=0.5)
    runner = Runner.from_cfg(cfg)
    runner.train()
    sup = 'tags' if label == 'mixed' else label
    written = sorted((tmp_path / 'cam_labels' / sup).glob('*.png'))
    assert written  # the CAM labels were made and cached
    sem_ann = runner.message_hub.get_scalar('train/decode.loss_sem_ann')
    assert all(v > 0 for v in sem_ann.data[0])


def test_benchmark_tool_prints_ratios(camvid_tiny_root, camvid_tiny_weak_root,
                                      camvid_tiny_superpixels, tmp_path,
                                      capsys):
    paths = []
    for name in (NAMES[2], NAMES[0]):
        cfg = tiny(name, camvid_tiny_root, camvid_tiny_weak_root,
                   camvid_tiny_superpixels, tmp_path)
        path = tmp_path / name
        cfg.dump(str(path))
        paths.append(str(path))
    tool = load_script('tools/analysis_tools/benchmark_spml.py')
    out = tmp_path / 'steps.json'
    assert tool.main(['--configs', *paths, '--repeats', '1', '--warmup', '0',
                      '--max-anchors', '64', '--out', str(out)]) == 0
    printed = capsys.readouterr().out
    assert 'target of 1.5x' in printed and NAMES[0] in printed
    rows = json.loads(out.read_text())['steps']
    assert [row['name'] for row in rows] == [
        NAMES[2], NAMES[0], f'{NAMES[0]} max_anchors=64']
    assert rows[0]['ratio'] == 1.0 and rows[1]['ratio'] > 0
    assert tool.main(['--configs', str(tmp_path / 'missing.py'),
                      paths[0]]) == 2


def tiny_retrieval_cfg(root, tags, work):
    """The MSRC-21 retrieval config on msrc21_tiny (images at their own
    48x64, 3x3 clusters, scales 0.5 / 1, the masks as memory labels)."""
    from mmlabeleff.testing.tiny_configs import _replace_strings
    name = 'spml-nn-crf_efflite0_1xb8-2k_msrc21-tags-176x176.py'
    cfg = Config.fromfile(str(RECIPES / name))
    stage1 = 'work_dirs/spml_efflite0_1xb8-2k_msrc21-tags-176x176'
    replacements = [('data/msrc21_weak', str(tags)),
                    ('data/msrc21', str(root)), (stage1, str(work))]
    for key in list(cfg.keys()):
        cfg[key] = _replace_strings(cfg[key], replacements)
    cfg.model.backbone.init_cfg = None
    cfg.model.test_cfg.retrieval.update(scales=(0.5, 1.0), num_clusters=(3, 3))
    cfg.test_dataloader.num_workers = 0
    for step in cfg.test_dataloader.dataset.pipeline + cfg.memory_pipeline:
        if 'scale' in step:
            step['scale'] = (64, 64)  # the images' own 48x64
    hook = cfg.custom_hooks[0]
    hook.update(scales=(1.0, ), num_clusters=(3, 3))
    hook.dataloader.num_workers = 0
    hook.dataloader.dataset.pipeline = cfg.memory_pipeline
    hook.dataloader.dataset.pop('seg_map_root')  # the masks as memory labels
    return cfg


def test_retrieval_config_labels_the_train_images(msrc21_tiny_root,
                                                  msrc21_tiny_tags, tmp_path):
    """Algorithm 2's retrieval stage on msrc21_tiny: the memory is built,
    cached and searched; both label maps are dumped and scored."""
    cfg = tiny_retrieval_cfg(msrc21_tiny_root, msrc21_tiny_tags,
                             tmp_path / 'stage1')
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    dump = tmp_path / 'stage1' / 'pseudo_nn'
    for sub in ('nn', 'crf'):
        assert len(list((dump / sub).glob('*.png'))) == 4
    assert (dump / 'memory_bank.pth').is_file()
    assert 0 <= metrics['nn/mIoU'] <= 100 and 0 <= metrics['crf/mIoU'] <= 100


def test_retrieval_benchmark_tool(msrc21_tiny_root, msrc21_tiny_tags, tmp_path,
                                  capsys):
    cfg = tiny_retrieval_cfg(msrc21_tiny_root, msrc21_tiny_tags, tmp_path)
    path = tmp_path / 'nn.py'
    cfg.dump(str(path))
    tool = load_script('tools/analysis_tools/benchmark_spml_retrieval.py')
    out = tmp_path / 'rows.json'
    assert tool.main([str(path), '--num', '2', '--out', str(out)]) == 0
    assert '| embedding |' in capsys.readouterr().out
    rows = json.loads(out.read_text())['rows']
    assert [r['mode'] for r in rows] == ['input', 'embedding']
    assert rows[0]['ratio'] == 1.0 and rows[0]['agreement'] == 1.0
    assert 0 <= rows[1]['agreement'] <= 1 and rows[1]['retrieve_s'] > 0
    assert tool.main([str(tmp_path / 'missing.py')]) == 2
