"""Fixtures of the transform tests (helpers live in ``weak_sample.py``)."""
import pytest
from mmengine.registry import DefaultScope


@pytest.fixture
def mmlabeleff_scope():
    """Build unprefixed type names in the ``mmlabeleff`` scope."""
    with DefaultScope.overwrite_default_scope('mmlabeleff'):
        yield
