import importlib

import mmlabeleff.registry as registry
from mmlabeleff.registry import DATASETS, MODELS, TASK_UTILS


def test_every_registry_is_a_child_with_importable_locations():
    for name in registry.__all__:
        reg = getattr(registry, name)
        assert reg.parent is not None, f'{name} has no parent registry'
        assert reg.scope == 'mmlabeleff', f'{name} scope is {reg.scope}'
        for location in reg._locations:
            importlib.import_module(location)


def test_own_and_prefixed_upstream_modules_resolve():
    assert MODELS.get('EfficientNetLite') is not None
    assert DATASETS.get('CamVidDataset') is not None
    assert MODELS.get('RefinedEncoderDecoder') is not None
    assert TASK_UTILS.get('DenseCRFRefiner') is not None
    # upstream modules are reached through their scope prefix
    assert MODELS.get('mmseg.EncoderDecoder').__module__.startswith('mmseg')
    assert MODELS.get('mmseg.DepthwiseSeparableASPPHead') is not None
