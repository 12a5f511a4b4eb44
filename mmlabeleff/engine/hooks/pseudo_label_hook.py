"""Write the next stage's inputs at the end of a training run."""
from mmengine.hooks import Hook
from mmengine.logging import print_log

from mmlabeleff.registry import HOOKS

__all__ = ['PseudoLabelHook']


@HOOKS.register_module()
class PseudoLabelHook(Hook):
    """Run the config's test loop (a
    :class:`~mmlabeleff.engine.runner.DumpTestLoop`) with the freshly
    trained model after training, so that one ``tools/train.py`` run of a
    CAM or IRN stage also writes its CAM dump or pseudo masks (and their
    scores) for the next stage.

    The run must have ``test_dataloader``, ``test_cfg`` and
    ``test_evaluator``; the loop skips images already dumped, exactly as
    ``tools/test.py`` would. Enable it with::

        custom_hooks = [dict(type='PseudoLabelHook')]

    Args:
        enabled (bool): Switch. Defaults to True.
    """
    priority = 'LOWEST'

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled

    def after_train(self, runner) -> None:
        """Dump (and score) with the trained model.

        Raises:
            ValueError: The run has no test loop configured.
        """
        if not self.enabled:
            return
        loop = runner.test_loop
        if loop is None:
            raise ValueError('PseudoLabelHook needs test_dataloader, test_cfg and '
                             'test_evaluator in the config')
        print_log(f'PseudoLabelHook: running {type(loop).__name__} after training',
                  logger='current')
        loop.run()
