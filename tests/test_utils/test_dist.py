"""setup_cpu_distributed: gloo process group and a CPU-capable DDP wrapper."""
import pytest
import torch
from mmengine.config import Config

from mmlabeleff.utils import setup_cpu_distributed


def test_no_launcher_changes_nothing():
    cfg = Config(dict(env_cfg=dict(dist_cfg=dict(backend='nccl'))))
    assert setup_cpu_distributed(cfg, 'none') is False
    assert cfg.env_cfg.dist_cfg.backend == 'nccl'
    assert 'model_wrapper_cfg' not in cfg


def test_pytorch_launcher_without_torchrun_env_is_a_clear_error(monkeypatch):
    if torch.cuda.is_available():
        pytest.skip('only CPU machines take the gloo path')
    monkeypatch.delenv('RANK', raising=False)
    monkeypatch.delenv('WORLD_SIZE', raising=False)
    with pytest.raises(RuntimeError, match='dist_train.sh'):
        setup_cpu_distributed(Config(dict()), 'pytorch')


def test_single_process_group_and_wrapper(monkeypatch, tmp_path):
    if torch.cuda.is_available():
        pytest.skip('only CPU machines take the gloo path')
    import torch.distributed as dist
    monkeypatch.setenv('RANK', '0')
    monkeypatch.setenv('WORLD_SIZE', '1')
    monkeypatch.setenv('LOCAL_RANK', '0')
    monkeypatch.setenv('MASTER_ADDR', '127.0.0.1')
    monkeypatch.setenv('MASTER_PORT', '29517')
    cfg = Config(dict(env_cfg=dict(dist_cfg=dict(backend='nccl'))))
    try:
        assert setup_cpu_distributed(cfg, 'pytorch') is True
        assert dist.is_initialized() and dist.get_backend() == 'gloo'
        assert cfg.env_cfg.dist_cfg.backend == 'gloo'
        assert cfg.model_wrapper_cfg == dict(
            type='MMDistributedDataParallel', device_ids=None)
        # a wrapper chosen by the config is kept
        cfg2 = Config(dict(model_wrapper_cfg=dict(type='Custom')))
        setup_cpu_distributed(cfg2, 'pytorch')
        assert cfg2.model_wrapper_cfg.type == 'Custom'
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()


def test_teardown_destroys_the_group(monkeypatch):
    if torch.cuda.is_available():
        pytest.skip('only CPU machines take the gloo path')
    import torch.distributed as dist

    from mmlabeleff.utils import teardown_distributed
    teardown_distributed()  # no group: nothing to do
    for key, value in dict(RANK='0', WORLD_SIZE='1', LOCAL_RANK='0',
                           MASTER_ADDR='127.0.0.1',
                           MASTER_PORT='29518').items():
        monkeypatch.setenv(key, value)
    setup_cpu_distributed(Config(dict()), 'pytorch')
    assert dist.is_initialized()
    teardown_distributed()
    assert not dist.is_initialized()
