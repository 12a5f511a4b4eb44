"""Tests of the ``tools/misc/publish_model.py`` command line (the logic is
tested in tests/test_utils/test_publish.py)."""
import os
import os.path as osp
from collections import OrderedDict

import pytest
import torch


@pytest.fixture(scope='module')
def publish_model(load_tool):
    """The script, imported from its path."""
    return load_tool('tools/misc/publish_model.py')


def test_prints_the_published_file(publish_model, tmp_path, capsys):
    state_dict = OrderedDict(weight=torch.ones(2, 2))
    in_file = str(tmp_path / 'weights.pth')
    torch.save({'state_dict': state_dict, 'optimizer': {}}, in_file)
    assert publish_model.main([in_file, str(tmp_path / 'rel' / 'm.pth')]) == 0
    final = capsys.readouterr().out.strip()
    assert osp.dirname(final) == str(tmp_path / 'rel')
    assert os.listdir(tmp_path / 'rel') == [osp.basename(final)]
    published = torch.load(final, weights_only=True)
    assert set(published) == {'meta', 'state_dict'}
    assert torch.equal(published['state_dict']['weight'], torch.ones(2, 2))


@pytest.mark.parametrize('content', [
    b'not a checkpoint',  # unreadable
    None,  # a checkpoint without weights
])
def test_bad_input_is_reported_without_traceback(publish_model, tmp_path,
                                                 capsys, content):
    """(Refusing pickled code is tested in tests/test_utils/test_publish.py.)"""
    in_file = tmp_path / 'bad.pth'
    if content is None:
        torch.save({'optimizer': {}}, in_file)
    else:
        in_file.write_bytes(content)
    out_dir = tmp_path / 'release'
    assert publish_model.main([str(in_file), str(out_dir / 'model.pth')]) == 1
    err = capsys.readouterr().err
    assert str(in_file) in err and 'Traceback' not in err
    assert not out_dir.exists() or os.listdir(out_dir) == []


def test_missing_input_is_reported(publish_model, tmp_path, capsys):
    missing = str(tmp_path / 'nope.pth')
    assert publish_model.main([missing, str(tmp_path / 'out.pth')]) == 1
    assert missing in capsys.readouterr().err
    assert os.listdir(tmp_path) == []
