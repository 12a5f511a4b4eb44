"""Register mmlabeleff's modules and set the default scope."""
import datetime
import warnings

from mmengine import DefaultScope

from .checkpoint import register_checkpoint_safe_globals


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every mmlabeleff module so that its registry entries exist.

    Also registers mmseg's modules (mmlabeleff configs use ``mmseg.*``
    types), and makes full mmengine checkpoints loadable with
    ``torch.load(weights_only=True)`` (see
    :func:`register_checkpoint_safe_globals`).

    Args:
        init_default_scope (bool): Whether to set the default scope to
            ``'mmlabeleff'``, so that unprefixed type names in configs are
            looked up in mmlabeleff's registries first. Defaults to True.
    """
    from mmseg.utils import register_all_modules as register_mmseg_modules

    import mmlabeleff.datasets  # noqa: F401
    import mmlabeleff.engine.hooks  # noqa: F401
    import mmlabeleff.engine.runner  # noqa: F401
    import mmlabeleff.evaluation  # noqa: F401
    import mmlabeleff.models  # noqa: F401
    import mmlabeleff.visualization  # noqa: F401

    register_mmseg_modules(init_default_scope=False)
    register_checkpoint_safe_globals()

    if init_default_scope:
        never_created = (
            DefaultScope.get_current_instance() is None
            or not DefaultScope.check_instance_created('mmlabeleff'))
        if never_created:
            DefaultScope.get_instance('mmlabeleff', scope_name='mmlabeleff')
            return
        current_scope = DefaultScope.get_current_instance()
        if current_scope.scope_name != 'mmlabeleff':
            warnings.warn('The current default scope '
                          f'"{current_scope.scope_name}" is not "mmlabeleff", '
                          '`register_all_modules` will force the current '
                          'default scope to be "mmlabeleff". If this is not '
                          'expected, please set `init_default_scope=False`.')
            # avoid name conflict
            new_instance_name = f'mmlabeleff-{datetime.datetime.now()}'
            DefaultScope.get_instance(
                new_instance_name, scope_name='mmlabeleff')
