"""Tests of :mod:`mmlabeleff.utils.publish` (release checkpoints)."""
import hashlib
import os
import os.path as osp
import re
from collections import OrderedDict

import mmengine
import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapper
from mmengine.optim.scheduler import LinearLR
from mmengine.runner.checkpoint import save_checkpoint, weights_to_cpu

from mmlabeleff.utils.publish import publish_checkpoint, slim_checkpoint

# Filled by ``_record_unpickling`` if a refused checkpoint ever runs code.
UNPICKLED_CALLS = []


def _record_unpickling(tag):
    UNPICKLED_CALLS.append(tag)
    return tag


class _CustomObject:
    """An arbitrary class whose unpickling would call a function."""

    def __reduce__(self):
        return _record_unpickling, ('code ran while loading',)


def _training_checkpoint():
    """A checkpoint shaped like the ones ``Runner.save_checkpoint`` writes."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU())
    optim_wrapper = OptimWrapper(
        torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9))
    scheduler = LinearLR(optim_wrapper, start_factor=0.5, end=10)
    loss = model(torch.rand(2, 3, 8, 8)).mean()
    optim_wrapper.update_params(loss)
    scheduler.step()

    message_hub = MessageHub.get_instance('test_publish_model')
    message_hub.update_scalar('train/loss', float(loss))
    message_hub.update_scalar('train/lr', 0.05)
    message_hub.update_info('iter', 1)
    return {
        'meta': {
            'epoch': 0,
            'iter': 1,
            'cfg': "work_dir = '/home/someone/secret/work_dirs'\n",
            'seed': 0,
            'experiment_name': 'exp_20240101_000000',
            'time': '20240101_000000',
            'mmengine_version': mmengine.__version__,
            'dataset_meta': {
                'classes': ('background', 'thing'),
                'palette': np.array([[0, 0, 0], [255, 0, 0]], dtype=np.uint8),
                'reduce_zero_label': False,
            },
        },
        'state_dict': weights_to_cpu(model.state_dict()),
        'message_hub': message_hub.state_dict(),
        'optimizer': optim_wrapper.state_dict(),
        'param_schedulers': [scheduler.state_dict()],
    }


def test_publish_keeps_weights_and_drops_training_state(tmp_path):
    checkpoint = _training_checkpoint()
    in_file = str(tmp_path / 'iter_1.pth')
    save_checkpoint(checkpoint, in_file)
    out_dir = tmp_path / 'release'

    final = publish_checkpoint(in_file,
                                             str(out_dir / 'model.pth'))

    with open(final, 'rb') as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    assert osp.basename(final) == f'model-{sha[:8]}.pth'
    # Nothing else (no temporary file) in the output folder.
    assert os.listdir(out_dir) == [osp.basename(final)]

    # The release loads without any allow-list.
    published = torch.load(final, map_location='cpu', weights_only=True)
    assert set(published) == {'meta', 'state_dict'}
    assert list(published['state_dict']) == list(checkpoint['state_dict'])
    for key, value in checkpoint['state_dict'].items():
        assert torch.equal(published['state_dict'][key], value)
    meta = published['meta']
    assert 'cfg' not in meta
    assert meta['mmengine_version'] == mmengine.__version__
    assert re.fullmatch(r'\d+\.\d+\.\d+\w*', meta['mmlabeleff_version'])
    assert meta['dataset_meta']['classes'] == ('background', 'thing')
    assert meta['dataset_meta']['palette'] == [[0, 0, 0], [255, 0, 0]]
    assert meta['iter'] == 1


def test_published_name_depends_only_on_content(tmp_path):
    in_file = str(tmp_path / 'iter_1.pth')
    save_checkpoint(_training_checkpoint(), in_file)
    first = publish_checkpoint(in_file, str(tmp_path / 'a.pth'))
    second = publish_checkpoint(in_file, str(tmp_path / 'b'))
    assert first[-13:] == second[-13:]  # '-xxxxxxxx.pth'
    assert osp.basename(second).startswith('b-')


def test_bare_state_dict_is_accepted(tmp_path):
    state_dict = OrderedDict(weight=torch.ones(2, 2), bias=torch.zeros(2))
    in_file = str(tmp_path / 'weights.pth')
    torch.save(state_dict, in_file)
    final = publish_checkpoint(in_file,
                                             str(tmp_path / 'out.pth'))
    published = torch.load(final, weights_only=True)
    assert torch.equal(published['state_dict']['weight'], torch.ones(2, 2))




def test_arbitrary_pickled_object_is_refused(tmp_path):
    checkpoint = _training_checkpoint()
    checkpoint['meta']['extra'] = _CustomObject()
    in_file = str(tmp_path / 'untrusted.pth')
    torch.save(checkpoint, in_file)
    out_dir = tmp_path / 'release'

    with pytest.raises(Exception) as excinfo:
        publish_checkpoint(in_file, str(out_dir / 'model.pth'))
    assert in_file in str(excinfo.value)
    assert UNPICKLED_CALLS == []
    assert not out_dir.exists() or os.listdir(out_dir) == []


def test_missing_input_is_named(tmp_path):
    missing = str(tmp_path / 'nope.pth')
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        publish_checkpoint(missing, str(tmp_path / 'out.pth'))
    assert os.listdir(tmp_path) == []


def test_slim_checkpoint_keeps_listed_meta_as_python_values():
    weights = OrderedDict(w=torch.arange(3.0))
    weights._metadata = {'': {'version': 2}}
    slim = slim_checkpoint({
        'state_dict': weights,
        'meta': {'iter': np.int64(7), 'seed': 3,
                 'dataset_meta': {'classes': ('a', 'b'),
                                  'palette': np.eye(2, dtype=np.uint8)}},
        'optimizer': {'state': {}},
    })
    assert set(slim) == {'meta', 'state_dict'}
    assert slim['meta']['iter'] == 7 and type(slim['meta']['iter']) is int
    assert 'seed' not in slim['meta']
    assert slim['meta']['dataset_meta']['palette'] == [[1, 0], [0, 1]]
    assert torch.equal(slim['state_dict']['w'], torch.arange(3.0))
    assert slim['state_dict']._metadata == {'': {'version': 2}}


@pytest.mark.parametrize('bad, message', [
    ([1, 2], 'must be a dict'),
    ({'optimizer': {}}, 'no "state_dict"'),
    ({}, 'no "state_dict"'),
    ({'state_dict': [1]}, '"state_dict" must be a dict'),
])
def test_slim_checkpoint_without_weights_is_refused(bad, message):
    with pytest.raises(ValueError, match=message):
        slim_checkpoint(bad)
