"""Generators of datasets that are made offline, not downloaded.

:func:`make_texture_scenes` writes TextureScenes, the demo dataset of
:class:`~mmlabeleff.datasets.TextureScenesDataset` (``make demo``,
``tools/misc/make_demo_dataset.py``); :func:`load_textures` and
:func:`render_scene` draw single scenes (``tools/analysis_tools/
benchmark_ops.py``).
"""
from .texture_scenes import (
    TEXTURE_SOURCES,
    load_textures,
    make_texture_scenes,
    render_scene,
)

__all__ = [
    'TEXTURE_SOURCES', 'load_textures', 'render_scene', 'make_texture_scenes'
]
