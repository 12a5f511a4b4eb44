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
``<dump_dir>/manifest.json`` exists. :func:`run_pipeline` starts at the
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

STEP_KINDS = ('train', 'test')


@dataclass
class PipelineStep:
    """One step of a pipeline.

    Attributes:
        stage (str): The stage's name.
        kind (str): ``'train'`` or ``'test'``.
        config (str): The stage's config file.
        checkpoint (str): The final checkpoint of the stage's training.
        output (str): The file whose existence means the step is done.
        work_dir (str): The stage's work dir.
    """
    stage: str
    kind: str
    config: str
    checkpoint: str
    output: str
    work_dir: str

    @property
    def done(self) -> bool:
        """Whether the step's output exists."""
        return osp.isfile(self.output)


def _stage_paths(config: str, work_dir: Optional[str]) -> tuple:
    cfg = Config.fromfile(config)
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
    stages = Config.fromfile(path).get('stages')
    if not stages:
        raise ValueError(f'{path}: a pipeline config needs a non-empty `stages` list')
    checked = []
    for i, stage in enumerate(stages):
        if not isinstance(stage, dict) or 'config' not in stage:
            raise ValueError(f'{path}: stage {i} needs a `config`')
        steps = tuple(stage.get('steps', STEP_KINDS))
        bad = [s for s in steps if s not in STEP_KINDS]
        if bad or not steps:
            raise ValueError(f'{path}: stage {i} has steps {steps}; use {STEP_KINDS}')
        if not osp.isfile(stage['config']):
            raise FileNotFoundError(f'{path}: stage {i} config {stage["config"]} '
                                    'not found')
        checked.append(dict(name=stage.get('name', f'stage{i}'),
                            config=stage['config'], steps=steps,
                            work_dir=stage.get('work_dir')))
    return checked


def plan_pipeline(path: str) -> List[PipelineStep]:
    """The steps of a pipeline config, in order."""
    steps = []
    for stage in load_pipeline(path):
        work_dir, checkpoint, dump_dir = _stage_paths(stage['config'],
                                                      stage['work_dir'])
        for kind in stage['steps']:
            if kind == 'train':
                output = checkpoint
            else:
                if not dump_dir:
                    raise ValueError(f'{path}: stage {stage["name"]} has a test step '
                                     'but its config has no test_cfg.dump_dir')
                output = osp.join(dump_dir, 'manifest.json')
            steps.append(PipelineStep(stage['name'], kind, stage['config'],
                                      checkpoint, output, work_dir))
    return steps


def step_command(step: PipelineStep, nproc: int = 1,
                 python: str = sys.executable) -> List[str]:
    """The command line of one step (``tools/train.py`` / ``tools/test.py``)."""
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
