"""Demo inputs and helpers shared by tests, demos and docs."""
from .texture_scenes import make_texture_scenes

__all__ = ['make_texture_scenes']
