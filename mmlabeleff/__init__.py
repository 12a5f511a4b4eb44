"""mmlabeleff: label-efficient image segmentation on OpenMMLab 2.x."""
from .version import __version__, version_info

__all__ = ['__version__', 'version_info']
