"""Version of mmlabeleff."""
import re

__version__ = '0.1.0'


def parse_version_info(version_str: str) -> tuple:
    """Parse a version string such as ``'0.1.0'`` or ``'0.2.0rc1'``.

    Args:
        version_str (str): The version string.

    Returns:
        tuple: The numeric parts as ints, followed by a pre-release suffix
        (for example ``'rc1'``) when there is one.
    """
    match = re.fullmatch(r'(\d+)\.(\d+)\.(\d+)(\w*)', version_str)
    if match is None:
        raise ValueError(f'invalid version string: {version_str!r}')
    major, minor, patch, suffix = match.groups()
    info = (int(major), int(minor), int(patch))
    return info + (suffix, ) if suffix else info


version_info = parse_version_info(__version__)

__all__ = ['__version__', 'version_info', 'parse_version_info']
