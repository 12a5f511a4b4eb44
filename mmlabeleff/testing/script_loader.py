"""Import the command-line tools of ``tools/`` as modules, for tests.

Tools are scripts, not a package (as in mmseg), so tests import them from
their path. One loader serves every test: each script is executed once per
process and cached under a private module name.
"""
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

__all__ = ['REPO_ROOT', 'load_script']

#: The repository root (mmlabeleff is installed editable from it).
REPO_ROOT = Path(__file__).resolve().parents[2]


def load_script(relative_path: str) -> ModuleType:
    """Import a script of the repository by its path, once per process.

    Args:
        relative_path (str): Path under the repository root, e.g.
            ``'tools/misc/publish_model.py'``.

    Returns:
        ModuleType: The executed module (``main``, ``parse_args``, ...).

    Raises:
        FileNotFoundError: If the script does not exist (named in the
            message).
    """
    path = (REPO_ROOT / relative_path).resolve()
    if not path.is_file():
        raise FileNotFoundError(f'{path}: script not found')
    name = '_mmlabeleff_script_' + '_'.join(
        path.relative_to(REPO_ROOT).with_suffix('').parts)
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
    return module
