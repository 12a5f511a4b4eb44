"""Tests of ``tools/misc/publish_model.py``."""
import hashlib
import importlib.util
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

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCRIPT = osp.join(ROOT, 'tools', 'misc', 'publish_model.py')

# Filled by ``_record_unpickling`` if a refused checkpoint ever runs code.
UNPICKLED_CALLS = []


def _record_unpickling(tag):
    UNPICKLED_CALLS.append(tag)
    return tag


class _CustomObject:
    """An arbitrary class whose unpickling would call a function."""

    def __reduce__(self):
        return _record_unpickling, ('code ran while loading',)


@pytest.fixture(scope='module')
def publish_model():
    """The script, imported from its path."""
    spec = importlib.util.spec_from_file_location('publish_model', SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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


def test_publish_keeps_weights_and_drops_training_state(
        publish_model, tmp_path):
    checkpoint = _training_checkpoint()
    in_file = str(tmp_path / 'iter_1.pth')
    save_checkpoint(checkpoint, in_file)
    out_dir = tmp_path / 'release'

    final = publish_model.process_checkpoint(in_file,
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


def test_published_name_depends_only_on_content(publish_model, tmp_path):
    in_file = str(tmp_path / 'iter_1.pth')
    save_checkpoint(_training_checkpoint(), in_file)
    first = publish_model.process_checkpoint(in_file, str(tmp_path / 'a.pth'))
    second = publish_model.process_checkpoint(in_file, str(tmp_path / 'b'))
    assert first[-13:] == second[-13:]  # '-xxxxxxxx.pth'
    assert osp.basename(second).startswith('b-')


def test_bare_state_dict_is_accepted(publish_model, tmp_path):
    state_dict = OrderedDict(weight=torch.ones(2, 2), bias=torch.zeros(2))
    in_file = str(tmp_path / 'weights.pth')
    torch.save(state_dict, in_file)
    final = publish_model.process_checkpoint(in_file,
                                             str(tmp_path / 'out.pth'))
    published = torch.load(final, weights_only=True)
    assert torch.equal(published['state_dict']['weight'], torch.ones(2, 2))


def test_arbitrary_pickled_object_is_refused(publish_model, tmp_path,
                                              capsys):
    checkpoint = _training_checkpoint()
    checkpoint['meta']['extra'] = _CustomObject()
    in_file = str(tmp_path / 'untrusted.pth')
    torch.save(checkpoint, in_file)
    out_dir = tmp_path / 'release'

    with pytest.raises(Exception) as excinfo:
        publish_model.process_checkpoint(in_file, str(out_dir / 'model.pth'))
    assert in_file in str(excinfo.value)
    assert UNPICKLED_CALLS == []
    assert not out_dir.exists() or os.listdir(out_dir) == []

    # The command line reports it without a traceback.
    assert publish_model.main([in_file, str(out_dir / 'model.pth')]) == 1
    err = capsys.readouterr().err
    assert in_file in err and 'Traceback' not in err
    assert UNPICKLED_CALLS == []


def test_missing_input_is_reported(publish_model, tmp_path, capsys):
    missing = str(tmp_path / 'nope.pth')
    assert publish_model.main([missing, str(tmp_path / 'out.pth')]) == 1
    assert missing in capsys.readouterr().err
    assert os.listdir(tmp_path) == []
