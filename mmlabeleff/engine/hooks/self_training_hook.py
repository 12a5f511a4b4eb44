"""Switch a head to self-training from a configured iteration."""
from typing import Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmlabeleff.registry import HOOKS

__all__ = ['SelfTrainingHook']


@HOOKS.register_module()
class SelfTrainingHook(Hook):
    """Set ``self_training = True`` on a sub-module from iteration ``start_iter``.

    BLPSeg (Wang et al., IEEE TIP 2023, Sec. IV-B) replaces the supervision
    of its segmentation head by the head's own sharpened prediction from
    iteration 10k on VOC (20k on PASCAL-Context in the public code); the
    head (e.g. :class:`~mmlabeleff.models.decode_heads.BLPSegHead`) builds
    the targets, this hook only flips its flag. The flag is set before every
    training iteration from ``runner.iter``, so a resumed run is in the right
    state from its first iteration, and it is never set during validation.

    Args:
        start_iter (int): First (0-based) iteration trained with
            self-training targets.
        module (str): Dotted path of the sub-module of the model that owns
            ``self_training``. Defaults to ``'decode_head'``.
    """

    priority = 'NORMAL'

    def __init__(self, start_iter: int, module: str = 'decode_head') -> None:
        if int(start_iter) != start_iter or start_iter < 0:
            raise ValueError(f'start_iter must be a non-negative int, got {start_iter}')
        self.start_iter = int(start_iter)
        self.module = module

    def _target(self, runner):
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        target = model
        for name in self.module.split('.'):
            if not hasattr(target, name):
                raise AttributeError(f'{type(model).__name__} has no '
                                     f'{self.module!r} (SelfTrainingHook.module)')
            target = getattr(target, name)
        if not hasattr(target, 'self_training'):
            raise AttributeError(f'{self.module} ({type(target).__name__}) has no '
                                 '`self_training` flag')
        return target

    def before_train(self, runner) -> None:
        """Check that the module exists before training starts (only in
        training: a test run, e.g. with a ``SegTTAModel`` wrapper, never
        needs the flag)."""
        self._target(runner)

    def before_train_iter(self, runner, batch_idx: int,
                          data_batch: Optional[dict] = None) -> None:
        """Set the flag from the current iteration."""
        target = self._target(runner)
        active = runner.iter >= self.start_iter
        if active and not target.self_training:
            runner.logger.info(f'iteration {runner.iter}: {self.module} '
                               'switches to self-training targets')
        target.self_training = active
