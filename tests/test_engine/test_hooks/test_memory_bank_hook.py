"""MemoryBankHook: builds SPML's retrieval memory, caches it, checks inputs."""
import types

import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmlabeleff.engine.hooks import MemoryBankHook
from mmlabeleff.registry import MODELS


def spml():
    init_default_scope('mmlabeleff')
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='SPML',
        data_preprocessor=dict(type='WeakSegDataPreProcessor',
                               mean=[127.0] * 3, std=[128.0] * 3,
                               bgr_to_rgb=True),
        backbone=dict(type='EfficientNetLite', arch='lite0', out_indices=(4, ),
                      out_stride=16),
        decode_head=dict(type='SPMLHead', in_channels=320, in_index=0,
                         embedding_dim=8, dilations=(1, 2), upsample_scale=4,
                         num_classes=4),
        test_cfg=dict(mode='whole', retrieval=dict(k=3))))
    return model.eval()


def batches(num=3, with_label=True):
    gen = torch.Generator().manual_seed(0)
    out = []
    for i in range(num):
        sample = SegDataSample()
        sample.set_metainfo(dict(img_path=f'img{i}.png', img_shape=(40, 48),
                                 ori_shape=(40, 48)))
        if with_label:
            label = torch.full((1, 40, 48), i % 4, dtype=torch.long)
            label[:, :20, :24] = 255
            sample.gt_sem_seg = PixelData(data=label)
        image = torch.randint(0, 255, (3, 40, 48), generator=gen).to(torch.uint8)
        out.append(dict(inputs=[image], data_samples=[sample]))
    return out


def fake_runner(model, data):
    calls = []

    def build_dataloader(cfg):
        calls.append(cfg)
        return data

    return types.SimpleNamespace(model=model, rank=0,
                                 build_dataloader=build_dataloader, calls=calls)


HOOK = dict(dataloader=dict(dataset=dict(type='Any')), scales=(1.0, ),
            num_clusters=(2, 2), iterations=2)


def test_builds_the_bank_of_every_image_and_caches_it(tmp_path):
    model = spml()
    runner = fake_runner(model, batches())
    cache = tmp_path / 'bank' / 'memory.pth'
    MemoryBankHook(**HOOK, cache_file=str(cache)).before_test(runner)
    protos, labels = model.memory_bank
    assert len(runner.calls) == 1 and cache.is_file()
    # 4 clusters per image; the ignored top-left quarter's cluster may drop
    assert 3 * 3 <= len(labels) <= 3 * 4
    assert set(labels.tolist()) == {0, 1, 2}
    assert not list(cache.parent.glob('*.tmp*'))
    # a second run reads the cache instead of running the loader
    other = spml()
    runner2 = fake_runner(other, batches())
    MemoryBankHook(**HOOK, cache_file=str(cache)).before_test(runner2)
    assert runner2.calls == []
    assert torch.equal(other.memory_bank[1], labels)
    # other settings rebuild it
    runner3 = fake_runner(spml(), batches())
    MemoryBankHook(**dict(HOOK, scales=(0.5, 1.0)),
                   cache_file=str(cache)).before_test(runner3)
    assert len(runner3.calls) == 1


def test_errors_name_the_problem(tmp_path):
    model = spml()
    with pytest.raises(ValueError, match='gt_sem_seg'):
        MemoryBankHook(**HOOK).before_test(
            fake_runner(model, batches(with_label=False)))
    with pytest.raises(ValueError, match='no images'):
        MemoryBankHook(**HOOK).before_test(fake_runner(model, []))
    bad = tmp_path / 'bad.pth'
    bad.write_bytes(b'not a bank')
    with pytest.raises(ValueError, match='bad.pth'):
        MemoryBankHook(**HOOK, cache_file=str(bad)).before_test(
            fake_runner(model, batches()))
    with pytest.raises(TypeError, match='SPML'):
        MemoryBankHook(**HOOK).before_test(
            fake_runner(torch.nn.Linear(2, 2), batches()))
    with pytest.raises(ValueError, match='dataset'):
        MemoryBankHook(dataloader=dict())
    with pytest.raises(ValueError, match='scales'):
        MemoryBankHook(**dict(HOOK, scales=(0, )))
