"""Concatenate tensors of different lengths from every rank, with gradients.

SPML contrasts each pixel with the segments of the whole global batch (the
public code gathers every GPU's segments to one GPU). In distributed data
parallel training every rank computes its own segments' prototypes and
:func:`all_gather_cat` hands every rank the prototypes of all ranks. The
gradient a rank's loss sends into another rank's prototypes is summed over
ranks in the backward pass and returned to the owner, so that, after
DDP averages the parameter gradients, training follows the gradient of the
mean of the ranks' losses.
"""
from typing import List, Tuple

import torch
import torch.distributed as dist
from torch import Tensor

__all__ = ['all_gather_cat', 'is_distributed']


def is_distributed() -> bool:
    """Whether a process group with more than one rank is running."""
    return (dist.is_available() and dist.is_initialized()
            and dist.get_world_size() > 1)


def _sizes(tensor: Tensor) -> List[int]:
    """First-dimension length of ``tensor`` on every rank."""
    size = torch.tensor([tensor.shape[0]], dtype=torch.long,
                        device=tensor.device)
    sizes = [torch.zeros_like(size) for _ in range(dist.get_world_size())]
    dist.all_gather(sizes, size)
    return [int(s.item()) for s in sizes]


def _gather_padded(tensor: Tensor, sizes: List[int]) -> List[Tensor]:
    """All-gather ``tensor`` (lengths ``sizes`` per rank) from every rank."""
    longest = max(sizes)
    padded = tensor.new_zeros((longest, ) + tuple(tensor.shape[1:]))
    padded[:tensor.shape[0]] = tensor
    gathered = [torch.zeros_like(padded) for _ in sizes]
    dist.all_gather(gathered, padded.contiguous())
    return [g[:n] for g, n in zip(gathered, sizes)]


class _AllGatherCat(torch.autograd.Function):
    """Differentiable variable-length all-gather (see the module docstring)."""

    @staticmethod
    def forward(ctx, tensor: Tensor, sizes: List[int]) -> Tensor:
        rank = dist.get_rank()
        ctx.start = sum(sizes[:rank])
        ctx.length = sizes[rank]
        return torch.cat(_gather_padded(tensor.detach(), sizes), dim=0)

    @staticmethod
    def backward(ctx, grad: Tensor):
        grad = grad.contiguous().clone()
        dist.all_reduce(grad, op=dist.ReduceOp.SUM)
        return grad[ctx.start:ctx.start + ctx.length], None


def all_gather_cat(tensor: Tensor) -> Tuple[Tensor, int]:
    """Concatenate ``tensor`` of every rank along dim 0, rank order.

    Every rank must call it (collectively), with the same trailing shape
    and dtype; the first dimension may differ and may be 0. Float tensors
    that require gradients stay differentiable. Without a process group
    (or with one rank) the tensor is returned as it is.

    Args:
        tensor (Tensor): This rank's rows.

    Returns:
        tuple[Tensor, int]: All rows, and the index of this rank's first row
        among them.
    """
    if not is_distributed():
        return tensor, 0
    sizes = _sizes(tensor)
    offset = sum(sizes[:dist.get_rank()])
    if tensor.requires_grad:
        return _AllGatherCat.apply(tensor, sizes), offset
    return torch.cat(_gather_padded(tensor, sizes), dim=0), offset
