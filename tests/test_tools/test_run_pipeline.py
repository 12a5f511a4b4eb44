"""tools/pseudo_label/run_pipeline.py and mmlabeleff.apis.pipeline: the whole
image-tag pipeline (CAM, CAM dump, IRN, pseudo masks, segmenter) chained on
msrc21_tiny, resumed, and its plan and errors."""
import json
import os

import pytest
from mmengine.config import Config

from mmlabeleff.apis.pipeline import plan_pipeline, run_pipeline
from mmlabeleff.testing.script_loader import REPO_ROOT, load_script
from mmlabeleff.testing.tiny_configs import shrink_tag_stage

STAGES = (('cam', 'configs/irn/cam_efflite0_1xb8-600iter_msrc21-tags-256x256.py',
           ('train', 'test')),
          ('irn', 'configs/irn/irn_efflite0_1xb8-300iter_msrc21-tags-256x256.py',
           ('train', 'test')),
          ('seg', 'configs/irn/deeplabv3plus_efflite0_1xb8-2k_msrc21-irn-176x176.py',
           ('train', )))


def _write_pipeline(tmp_path, data_root, weak_root):
    work = tmp_path / 'work'
    lines = ['stages = [']
    for name, config, steps in STAGES:
        cfg = shrink_tag_stage(Config.fromfile(str(REPO_ROOT / config)), data_root,
                               weak_root, work)
        if name == 'cam':
            cfg.model.test_cfg.scales = (1.0, 0.5)
        path = tmp_path / f'{name}.py'
        cfg.dump(str(path))
        lines.append(f'    dict(name={name!r}, config={str(path)!r}, steps={steps!r}),')
    lines.append(']')
    pipeline = tmp_path / 'pipeline.py'
    pipeline.write_text('\n'.join(lines) + '\n')
    return pipeline, work


def test_whole_pipeline_runs_and_resumes(msrc21_tiny_root, msrc21_tiny_tags, tmp_path,
                                         monkeypatch, capsys):
    monkeypatch.chdir(REPO_ROOT)
    pipeline, work = _write_pipeline(tmp_path, msrc21_tiny_root, msrc21_tiny_tags)
    tool = load_script('tools/pseudo_label/run_pipeline.py')
    tool.main([str(pipeline)])
    # every stage's output is there
    assert sorted(p.name for p in (work / 'cam_dump').glob('*.npz')) == [
        '1_1_s.npz', '1_2_s.npz', '6_1_s.npz', '9_3_s.npz']
    assert len(list((work / 'ir_label').glob('*.png'))) == 4
    for sub in ('rw', 'crf'):
        assert len(list((work / 'pseudo' / sub).glob('*.png'))) == 4
    manifest = json.loads((work / 'pseudo' / 'manifest.json').read_text())
    assert 'rw/mIoU' in manifest['metrics'] and 'crf/mIoU' in manifest['metrics']
    assert (work / 'seg' / 'iter_2.pth').is_file()

    # the dashboard of the finished stages: same numbers as the dump's metrics
    dashboard = load_script('tools/analysis_tools/pseudo_label_dashboard.py')
    dashboard.main([str(tmp_path / 'cam.py'), str(tmp_path / 'irn.py'),
                    '--out-dir', str(tmp_path / 'dash'), '--num', '2'])
    assert len(list((tmp_path / 'dash' / 'images').glob('*.png'))) == 2
    assert (tmp_path / 'dash' / 'seed_curve.png').stat().st_size > 1000
    summary = (tmp_path / 'dash' / 'summary.md').read_text()
    rw = manifest['metrics']['rw/mIoU']
    assert f'| random walk | {rw:.2f} |' in summary

    # all done: nothing runs
    calls = []
    run_pipeline(str(pipeline), runner=lambda cmd: calls.append(cmd) or 0,
                 log=lambda *_: None)
    assert calls == []
    # a missing pseudo-mask manifest: that step and every later one rerun
    os.remove(work / 'pseudo' / 'manifest.json')
    steps = run_pipeline(str(pipeline), dry_run=True, log=lambda *_: None)
    assert [(s.stage, s.kind) for s in steps] == [('irn', 'test'), ('seg', 'train')]


def test_plan_names_outputs_and_resume_flag(msrc21_tiny_root, msrc21_tiny_tags,
                                            tmp_path, monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    pipeline, work = _write_pipeline(tmp_path, msrc21_tiny_root, msrc21_tiny_tags)
    steps = plan_pipeline(str(pipeline))
    assert [(s.stage, s.kind) for s in steps] == [
        ('cam', 'train'), ('cam', 'test'), ('irn', 'train'), ('irn', 'test'),
        ('seg', 'train')]
    assert steps[0].output == os.path.join(str(work), 'cam', 'iter_2.pth')
    assert steps[1].output == os.path.join(str(work), 'cam_dump', 'manifest.json')
    calls = []
    with pytest.raises(RuntimeError, match=r'cam\.train failed with exit status 7'):
        run_pipeline(str(pipeline), nproc=2,
                     runner=lambda cmd: calls.append(list(cmd)) or 7,
                     log=lambda *_: None)
    assert calls[0][1:3] == ['-m', 'torch.distributed.run']
    assert calls[0][-2:] == ['--launcher', 'pytorch']
    # an interrupted training resumes from its last checkpoint
    (work / 'cam').mkdir(parents=True)
    (work / 'cam' / 'last_checkpoint').write_text('x')
    calls.clear()
    with pytest.raises(RuntimeError, match='finished without writing'):
        run_pipeline(str(pipeline), runner=lambda cmd: calls.append(list(cmd)) or 0,
                     log=lambda *_: None)
    assert '--resume' in calls[0]


@pytest.mark.parametrize('text, message', [
    ('stages = []\n', 'non-empty `stages`'),
    ("stages = [dict(name='a')]\n", 'needs a `config`'),
    ("stages = [dict(config='nope.py')]\n", 'nope.py not found'),
    ("stages = [dict(config='configs/irn/"
     "cam_efflite0_1xb8-600iter_msrc21-tags-256x256.py', steps=('fit', ))]\n",
     "steps ('fit',)"),
])
def test_bad_pipeline_configs_are_named(text, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(REPO_ROOT)
    path = tmp_path / 'bad_pipeline.py'
    path.write_text(text)
    tool = load_script('tools/pseudo_label/run_pipeline.py')
    with pytest.raises(SystemExit) as exc:
        tool.main([str(path)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith('error: ') and message in err and 'bad_pipeline.py' in err
