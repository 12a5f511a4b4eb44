"""The SPML chain (embedding, Algorithm 1's pseudo labels, classifier on the
frozen embedding) run by tools/pseudo_label/run_pipeline.py on camvid_tiny."""
import json

from mmengine.config import Config

from mmlabeleff.testing.script_loader import REPO_ROOT, load_script
from mmlabeleff.testing.tiny_configs import shrink_weak_recipe

SPML = 'configs/spml/'
STAGE1 = SPML + 'spml_efflite0_1xb8-2k_camvid-scribbles-176x176.py'
PSEUDO = SPML + 'spml-rw-crf_efflite0_1xb8-2k_camvid-scribbles-176x176.py'
CLS = SPML + 'spml-cls_efflite0_1xb8-500iter_camvid-scribbles-176x176.py'


def _write(tmp_path, root, weak_root, superpixels):
    stage1_dir = tmp_path / 'spml'
    pseudo_dir = stage1_dir / 'pseudo'
    cfgs = {}
    for name, path, work in (('spml', STAGE1, stage1_dir),
                             ('pseudo', PSEUDO, stage1_dir),
                             ('cls', CLS, tmp_path / 'cls')):
        cfg = shrink_weak_recipe(Config.fromfile(str(REPO_ROOT / path)), root,
                                 weak_root, work)
        cfg.train_dataloader.dataset.superpixel_root = str(superpixels)
        cfgs[name] = cfg
    test_ds = cfgs['pseudo'].test_dataloader.dataset
    test_ds.weak_root = str(weak_root)
    cfgs['pseudo'].test_cfg.dump_dir = str(pseudo_dir)
    cls = cfgs['cls']
    cls.train_dataloader.dataset.pop('weak_root')
    cls.train_dataloader.dataset.pop('superpixel_root')
    cls.train_dataloader.dataset.seg_map_root = str(pseudo_dir / 'crf')
    cls.load_from = str(stage1_dir / 'iter_2.pth')
    lines = ['stages = [']
    for name, steps in (('spml', ('train', )), ('pseudo', ('test', )),
                        ('cls', ('train', ))):
        path = tmp_path / f'{name}.py'
        cfgs[name].dump(str(path))
        lines.append(f'    dict(name={name!r}, config={str(path)!r}, '
                     f'steps={steps!r}),')
    lines.append(']')
    pipeline = tmp_path / 'pipeline.py'
    pipeline.write_text('\n'.join(lines) + '\n')
    return pipeline, stage1_dir, pseudo_dir


def test_spml_chain(camvid_tiny_root, camvid_tiny_weak_root,
                    camvid_tiny_superpixels, tmp_path, monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    pipeline, stage1_dir, pseudo_dir = _write(
        tmp_path, camvid_tiny_root, camvid_tiny_weak_root,
        camvid_tiny_superpixels)
    tool = load_script('tools/pseudo_label/run_pipeline.py')
    tool.main([str(pipeline)])
    assert (stage1_dir / 'iter_2.pth').is_file()
    for sub in ('rw', 'crf'):
        assert len(list((pseudo_dir / sub).glob('*.png'))) == 4
    metrics = json.loads((pseudo_dir / 'manifest.json').read_text())['metrics']
    assert 'rw/mIoU' in metrics and 'crf/mIoU' in metrics
    assert (tmp_path / 'cls' / 'iter_2.pth').is_file()
    # the classifier stage changed only the classifier
    import torch
    before = torch.load(stage1_dir / 'iter_2.pth', map_location='cpu',
                        weights_only=False)['state_dict']
    after = torch.load(tmp_path / 'cls' / 'iter_2.pth', map_location='cpu',
                       weights_only=False)['state_dict']
    for key in before:
        same = torch.equal(before[key], after[key])
        if key.startswith('decode_head.aspp') or key.startswith('backbone.'):
            assert same, key
    assert any(not torch.equal(before[k], after[k]) for k in before
               if k.startswith('decode_head.conv_seg'))
