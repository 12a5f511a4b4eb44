"""Distributed training on machines without a GPU (torchrun + gloo)."""
import os

import torch
import torch.distributed as torch_dist
from mmengine.config import Config


def setup_cpu_distributed(cfg: Config, launcher: str) -> bool:
    """Prepare a config and process group for CPU-only distributed runs.

    mmengine 0.10.7's ``init_dist(launcher='pytorch')`` calls
    ``torch.cuda.set_device`` unconditionally, and its default DDP wrapper
    passes ``device_ids=[LOCAL_RANK]``, which DDP rejects for CPU modules.
    On a machine without CUDA this function therefore initialises the gloo
    process group itself (the Runner then skips its own initialisation), and
    sets ``model_wrapper_cfg`` to ``MMDistributedDataParallel`` with
    ``device_ids=None`` unless the config already chose a wrapper.

    Args:
        cfg (Config): The config, modified in place.
        launcher (str): The launcher of ``tools/train.py`` /
            ``tools/test.py``.

    Returns:
        bool: True if a CPU process group was set up, False if nothing was
        done (no launcher, CUDA available, or not launched by torchrun).
    """
    if launcher != 'pytorch' or torch.cuda.is_available():
        return False
    if 'RANK' not in os.environ or 'WORLD_SIZE' not in os.environ:
        raise RuntimeError(
            '--launcher pytorch expects the RANK and WORLD_SIZE environment '
            'variables set by torchrun; use tools/dist_train.sh CONFIG N.')
    if not torch_dist.is_initialized():
        torch_dist.init_process_group(backend='gloo')
    cfg.setdefault('env_cfg', {})
    cfg.env_cfg.setdefault('dist_cfg', {})
    cfg.env_cfg.dist_cfg['backend'] = 'gloo'
    if cfg.get('model_wrapper_cfg') is None:
        cfg.model_wrapper_cfg = dict(
            type='MMDistributedDataParallel', device_ids=None)
    return True


def teardown_distributed(success: bool = True) -> None:
    """Destroy the default process group, if one exists.

    mmengine never destroys the group it (or :func:`setup_cpu_distributed`)
    created; with gloo, a process that exits while the group's threads are
    alive can abort ("terminate called without an active exception"). The
    tools therefore call this at the end of a run.

    Args:
        success (bool): Whether the run ended normally; then all ranks meet
            at a barrier first, so that none tears down while another still
            communicates. After an error no barrier is attempted (the other
            ranks may never arrive).
    """
    if not (torch_dist.is_available() and torch_dist.is_initialized()):
        return
    if success:
        torch_dist.barrier()
    torch_dist.destroy_process_group()
