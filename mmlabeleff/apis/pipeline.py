"""Chain the stages of a pseudo-label pipeline (e.g. CAM -> IRN -> segmenter).

A pipeline config lists stages; each stage is an ordinary mmlabeleff config
that also runs alone with ``tools/train.py`` / ``tools/test.py``::

    stages = [
        dict(name='cam', config='configs/irn/cam_....py', steps=('train', 'test')),
        dict(name='irn', config='configs/irn/irn_....py', steps=('train', 'test')),
        dict(name='seg', config='configs/irn/deeplabv3plus_....py', steps=('train', )),
    ]

A ``train`` step is done when its final checkpoint
``<work_dir>/iter_<max_iters>.pth`` exists; a ``test`` step (a
:class:`~mmlabeleff.engine.runner.DumpTestLoop` run on that checkpoint) when
``<dump_dir>/manifest.json`` exists. A stage may also name the
``checkpoint`` its test step loads (e.g. an earlier checkpoint of another
stage) and ``cfg_options`` (``{dotted key: value}``, given to the tools as
``--cfg-options`` and applied before the stage's paths are read), so that one
dump config serves several checkpoints::

    dict(name='label_500', config='configs/.../stpp-label_....py',
         steps=('test', ), checkpoint='work_dirs/sup/iter_500.pth',
         cfg_options={'test_cfg.dump_dir': 'work_dirs/stpp/label_500'})

A ``select`` step runs ST++'s reliable-image selection
(:func:`~mmlabeleff.apis.reliable_selection.select_reliable`, through
``tools/pseudo_label/select_reliable.py``) on the dumps of earlier stages;
it is done when ``<out_dir>/reliable.txt`` exists::

    dict(name='select', steps=('select', ),
         select=dict(dumps=[...], split='data/camvid_semi/1_8/unlabeled.txt',
                     out_dir='work_dirs/stpp/select', num_classes=11))
 :func:`run_pipeline` starts at the
first step that is not done and runs it and every later one, each as a
child process (``torchrun`` with ``nproc > 1``); an interrupted train step
resumes from its last checkpoint and an interrupted dump skips the images
already written.
"""
import os
import os.path as osp
import subprocess
import sys
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence

from mmengine.config import Config

__all__ = ['PipelineStep', 'load_pipeline', 'plan_pipeline', 'run_pipeline']

STEP_KINDS = ('train', 'test', 'select')
#: Keys of a ``select`` stage's ``select`` dict (``ratio`` optional).
SELECT_KEYS = ('dumps', 'split', 'out_dir', 'num_classes')


@dataclass
class PipelineStep:
    """One step of a pipeline.

    Attributes:
        stage (str): The stage's name.
        kind (str): ``'train'``, ``'test'`` or ``'select'``.
        config (str): The stage's config file (None for ``'select'``).
        checkpoint (str): The checkpoint a test step loads (by default the
            final checkpoint of the stage's training).
        output (str): The file whose existence means the step is done.
        work_dir (str): The stage's work dir.
        cfg_options (dict): ``--cfg-options`` of the step.
        select (dict): The arguments of a ``'select'`` step.
    """
    stage: str
    kind: str
    config: Optional[str]
    checkpoint: Optional[str]
    output: str
    work_dir: Optional[str]
    cfg_options: Optional[dict] = None
    select: Optional[dict] = None

    @property
    def done(self) -> bool:
        """Whether the step's output exists."""
        return osp.isfile(self.output)


def _stage_paths(config: str, work_dir: Optional[str],
                 cfg_options: Optional[dict] = None) -> tuple:
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    work_dir = work_dir or cfg.get('work_dir') or osp.join(
        'work_dirs', osp.splitext(osp.basename(config))[0])
    train_cfg = cfg.get('train_cfg') or {}
    if 'max_iters' not in train_cfg:
        raise ValueError(f'{config}: a pipeline stage must train by iterations '
                         '(train_cfg.max_iters)')
    checkpoint = osp.join(work_dir, f'iter_{train_cfg["max_iters"]}.pth')
    test_cfg = cfg.get('test_cfg') or {}
    dump_dir = test_cfg.get('dump_dir') if isinstance(test_cfg, dict) else None
    return work_dir, checkpoint, dump_dir


def load_pipeline(path: str) -> List[dict]:
    """Read and check the ``stages`` of a pipeline config.

    Raises:
        FileNotFoundError: The pipeline or a stage config is missing.
        ValueError: No stages, a stage without ``name`` / ``config``, an
            unknown step, or a test step whose config has no ``dump_dir``
            (each message names the pipeline file).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: pipeline config not found')
    # lazy_import=False: a pipeline config may import a stage builder
    # (e.g. mmlabeleff.apis.stpp.stpp_stages) and call it, which mmengine's
    # lazy (new-style) parsing of files with imports would not allow
    stages = Config.fromfile(path, lazy_import=False).get('stages')
    if not stages:
        raise ValueError(f'{path}: a pipeline config needs a non-empty `stages` list')
    checked = []
    for i, stage in enumerate(stages):
        if not isinstance(stage, dict):
            raise ValueError(f'{path}: stage {i} is not a dict')
        steps = tuple(stage.get('steps', ('train', 'test')))
        bad = [s for s in steps if s not in STEP_KINDS]
        if bad or not steps or ('select' in steps and len(steps) > 1):
            raise ValueError(f'{path}: stage {i} has steps {steps}; use '
                             f"{STEP_KINDS} ('select' alone)")
        name = stage.get('name', f'stage{i}')
        if steps == ('select', ):
            checked.append(dict(name=name, steps=steps, config=None,
                                work_dir=None,
                                select=_check_select(path, i, stage)))
            continue
        if 'config' not in stage:
            raise ValueError(f'{path}: stage {i} needs a `config`')
        if not osp.isfile(stage['config']):
            raise FileNotFoundError(f'{path}: stage {i} config {stage["config"]} '
                                    'not found')
        checked.append(dict(name=name, config=stage['config'], steps=steps,
                            work_dir=stage.get('work_dir'),
                            checkpoint=stage.get('checkpoint'),
                            cfg_options=dict(stage.get('cfg_options') or {})))
    return checked


def _check_select(path: str, index: int, stage: dict) -> dict:
    select = stage.get('select')
    if not isinstance(select, dict):
        raise ValueError(f'{path}: stage {index} (select) needs a `select` '
                         f'dict with {SELECT_KEYS}')
    missing = [k for k in SELECT_KEYS if k not in select]
    if missing:
        raise ValueError(f'{path}: stage {index} (select) lacks {missing}')
    if len(select['dumps']) < 2:
        raise ValueError(f'{path}: stage {index} (select) needs the dumps of '
                         'at least two checkpoints')
    return dict(select)


def plan_pipeline(path: str) -> List[PipelineStep]:
    """The steps of a pipeline config, in order."""
    steps = []
    for stage in load_pipeline(path):
        if stage['steps'] == ('select', ):
            output = osp.join(stage['select']['out_dir'], 'reliable.txt')
            steps.append(PipelineStep(stage['name'], 'select', None, None,
                                      output, None, select=stage['select']))
            continue
        work_dir, checkpoint, dump_dir = _stage_paths(
            stage['config'], stage['work_dir'], stage['cfg_options'])
        for kind in stage['steps']:
            if kind == 'train':
                output = checkpoint
            else:
                if not dump_dir:
                    raise ValueError(f'{path}: stage {stage["name"]} has a test step '
                                     'but its config has no test_cfg.dump_dir')
                output = osp.join(dump_dir, 'manifest.json')
            steps.append(PipelineStep(
                stage['name'], kind, stage['config'],
                stage['checkpoint'] or checkpoint if kind == 'test'
                else checkpoint, output, work_dir,
                cfg_options=stage['cfg_options']))
    return steps


def _cfg_option_args(options: Optional[dict]) -> List[str]:
    """``--cfg-options k=v ...`` as mmengine's ``DictAction`` parses them
    (strings as they are; numbers, booleans and None as literals)."""
    if not options:
        return []
    bad = [k for k, v in options.items()
           if not isinstance(v, (str, int, float, bool, type(None)))]
    if bad:
        raise ValueError(f'cfg_options {bad}: only strings, numbers, '
                         'booleans and None can be passed to the tools')
    return ['--cfg-options'] + [f'{k}={v}' for k, v in options.items()]


def step_command(step: PipelineStep, nproc: int = 1,
                 python: str = sys.executable) -> List[str]:
    """The command line of one step (``tools/train.py`` / ``tools/test.py``
    / ``tools/pseudo_label/select_reliable.py``)."""
    if step.kind == 'select':
        sel = step.select
        return [python, osp.join('tools', 'pseudo_label', 'select_reliable.py'),
                '--dumps', *sel['dumps'], '--split', sel['split'],
                '--out-dir', sel['out_dir'],
                '--num-classes', str(sel['num_classes']),
                '--ratio', str(sel.get('ratio', 0.5))]
    tool = osp.join('tools', 'train.py' if step.kind == 'train' else 'test.py')
    if nproc > 1:
        cmd = [python, '-m', 'torch.distributed.run', f'--nproc_per_node={nproc}',
               tool]
    else:
        cmd = [python, tool]
    cmd.append(step.config)
    if step.kind == 'train':
        cmd += ['--work-dir', step.work_dir]
        if osp.isfile(osp.join(step.work_dir, 'last_checkpoint')):
            cmd.append('--resume')
    else:
        cmd += [step.checkpoint, '--work-dir', step.work_dir]
    cmd += _cfg_option_args(step.cfg_options)
    if nproc > 1:
        cmd += ['--launcher', 'pytorch']
    return cmd


def run_pipeline(path: str,
                 nproc: int = 1,
                 dry_run: bool = False,
                 runner: Callable[[Sequence[str]], int] = None,
                 log: Callable[[str], None] = print) -> List[PipelineStep]:
    """Run a pipeline from its first step that is not done.

    Args:
        path (str): The pipeline config.
        nproc (int): Processes per step (``torchrun``). Defaults to 1.
        dry_run (bool): Only print the plan. Defaults to False.
        runner (Callable, optional): Runs a command, returns its exit
            status. Defaults to :func:`subprocess.call`.
        log (Callable): Progress printer.

    Returns:
        list[PipelineStep]: The steps that were (or would be) run.

    Raises:
        RuntimeError: A step failed (its command and exit status are named)
            or finished without its output.
    """
    steps = plan_pipeline(path)
    first = next((i for i, s in enumerate(steps) if not s.done), len(steps))
    for step in steps[:first]:
        log(f'[done] {step.stage}.{step.kind}: {step.output}')
    todo = steps[first:]
    if not todo:
        log('every step is done; delete an output to run its step again')
    runner = runner or (lambda cmd: subprocess.call(list(cmd), env=os.environ.copy()))
    for step in todo:
        cmd = step_command(step, nproc)
        log(f'[run ] {step.stage}.{step.kind}: {" ".join(cmd)}')
        if dry_run:
            continue
        status = runner(cmd)
        if status != 0:
            raise RuntimeError(f'{step.stage}.{step.kind} failed with exit status '
                               f'{status}: {" ".join(cmd)}')
        if not step.done:
            raise RuntimeError(f'{step.stage}.{step.kind} finished without '
                               f'writing {step.output}')
    return todo
