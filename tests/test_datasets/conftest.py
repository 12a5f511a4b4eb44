"""Fixtures of the dataset tests (builders live in
:mod:`mmlabeleff.testing.fake_datasets`)."""
import pytest

from mmlabeleff.testing.fake_datasets import copy_tiny


@pytest.fixture
def tiny_copy(tmp_path):
    """A function that copies a tiny dataset of ``tests/data`` (a key of
    ``TINY_ROOTS``) into ``tmp_path`` and returns its writable root."""

    def copy(name):
        return copy_tiny(name, tmp_path / name)

    return copy
