"""Tests of :mod:`mmlabeleff.apis.cli` (options shared by the tools)."""
import argparse
import os

import pytest

from mmlabeleff.apis.cli import (
    add_cfg_options_argument,
    add_launcher_arguments,
    export_local_rank,
    load_model_or_exit,
)
from mmlabeleff.testing.script_loader import REPO_ROOT

MODEL_CFG = REPO_ROOT / 'configs/_base_/models/deeplabv3plus_efflite0.py'


def _parser():
    parser = argparse.ArgumentParser()
    add_cfg_options_argument(parser)
    add_launcher_arguments(parser)
    return parser


def test_cfg_options_become_a_dict():
    args = _parser().parse_args(
        ['--cfg-options', 'a.b=1', 'c=[1,2]', 'd=x'])
    assert args.cfg_options == {'a.b': 1, 'c': [1, 2], 'd': 'x'}
    assert _parser().parse_args([]).cfg_options is None


def test_launcher_choices_and_local_rank_spellings():
    args = _parser().parse_args([])
    assert args.launcher == 'none' and args.local_rank == 0
    assert _parser().parse_args(['--launcher', 'slurm']).launcher == 'slurm'
    assert _parser().parse_args(['--local-rank', '3']).local_rank == 3
    assert _parser().parse_args(['--local_rank', '2']).local_rank == 2
    with pytest.raises(SystemExit):
        _parser().parse_args(['--launcher', 'ray'])


def test_export_local_rank_keeps_torchruns_value(monkeypatch):
    # (set first, so that monkeypatch restores the original state, unset
    # included, after export_local_rank writes to os.environ)
    monkeypatch.setenv('LOCAL_RANK', '0')
    monkeypatch.delenv('LOCAL_RANK')
    export_local_rank(argparse.Namespace(local_rank=1))
    assert os.environ['LOCAL_RANK'] == '1'
    monkeypatch.setenv('LOCAL_RANK', '5')  # set by torchrun
    export_local_rank(argparse.Namespace(local_rank=0))
    assert os.environ['LOCAL_RANK'] == '5'


def test_load_model_or_exit_names_the_bad_file(tmp_path):
    with pytest.raises(SystemExit) as error:
        load_model_or_exit(str(tmp_path / 'missing.py'), None)
    assert str(error.value.code) == (
        f'error: {tmp_path / "missing.py"}: file not found')
    with pytest.raises(SystemExit) as error:
        load_model_or_exit(str(MODEL_CFG), str(tmp_path / 'none.pth'))
    assert 'none.pth: file not found' in str(error.value.code)
    truncated = tmp_path / 'truncated.pth'
    truncated.write_bytes(b'PK\x03\x04' + b'\x00' * 20)
    options = {'model.backbone.init_cfg': None}
    with pytest.raises(SystemExit) as error:
        load_model_or_exit(str(MODEL_CFG), str(truncated), options)
    assert str(error.value.code).startswith(f'error: {truncated}')
    cfg, model = load_model_or_exit(str(MODEL_CFG), None, options)
    assert cfg.model.backbone.init_cfg is None and not model.training
