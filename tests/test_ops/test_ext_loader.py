"""get_ext_function: compiled kernels, or None with a one-time warning."""
import warnings

import pytest
import torch

import mmlabeleff.ops.ext_loader as ext_loader
from mmlabeleff.ops.ext_loader import get_ext_function


@pytest.fixture(autouse=True)
def fresh_warnings(monkeypatch):
    monkeypatch.setattr(ext_loader, '_warned', set())


def _calls(*args):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        results = [get_ext_function(*args) for _ in range(3)]
    return results, [str(w.message) for w in caught
                     if issubclass(w.category, RuntimeWarning)]


def test_missing_function_warns_once():
    if ext_loader._load_ext() is None:
        pytest.skip('mmlabeleff._ext is not built')
    results, messages = _calls('no_such_kernel')
    assert results == [None] * 3
    assert len(messages) == 1 and "no function 'no_such_kernel'" in messages[0]


def test_missing_extension_warns_once(monkeypatch):
    monkeypatch.setattr(ext_loader, '_load_ext', lambda: None)
    results, messages = _calls('dense_crf_forward')
    assert results == [None] * 3
    assert len(messages) == 1 and 'not built' in messages[0]


def test_devices_without_kernels_get_none():
    if get_ext_function('dense_crf_forward') is None:
        pytest.skip('mmlabeleff._ext is not built')
    assert get_ext_function('dense_crf_forward', torch.device('cpu')) is not None
    results, messages = _calls('dense_crf_forward', 'meta')
    assert results == [None] * 3 and len(messages) == 1
    assert 'no kernels for meta' in messages[0]
    if not ext_loader.ext_is_compiled_with_cuda():
        results, messages = _calls('dense_crf_forward', 'cuda')
        assert results == [None] * 3 and len(messages) == 1
        assert 'without CUDA' in messages[0]
