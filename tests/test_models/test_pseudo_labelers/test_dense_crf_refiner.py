"""Tests of DenseCRFRefiner (TASK_UTILS) against the dense_crf op."""
import pytest
import torch

from mmlabeleff.models.pseudo_labelers import DenseCRFRefiner
from mmlabeleff.ops import dense_crf
from mmlabeleff.registry import TASK_UTILS

PYDENSECRF = dict(gaussian_sxy=3.0, gaussian_compat=3.0, bilateral_sxy=80.0,
                  bilateral_srgb=13.0, bilateral_compat=10.0, num_iters=10)
SPML = dict(gaussian_sxy=1.0, gaussian_compat=3.0, bilateral_sxy=67.0,
            bilateral_srgb=3.0, bilateral_compat=4.0, num_iters=10)
BLPSEG = dict(gaussian_sxy=3.0, gaussian_compat=3.0, bilateral_sxy=32.0,
              bilateral_srgb=13.0, bilateral_compat=10.0, num_iters=1)


def make_inputs(n=2, c=4, h=12, w=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(n, c, h, w, generator=g) * 3
    images = torch.randint(0, 256, (n, 3, h, w), generator=g, dtype=torch.uint8)
    return logits, images


def build(**kwargs):
    return TASK_UTILS.build(dict(type='DenseCRFRefiner', **kwargs))


def test_built_by_name_from_task_utils():
    refiner = build()
    assert type(refiner) is DenseCRFRefiner
    assert TASK_UTILS.get('DenseCRFRefiner') is DenseCRFRefiner
    assert refiner.crf_params == PYDENSECRF
    assert refiner.input_type == 'prob'
    assert 'DenseCRFRefiner(preset=None' in repr(refiner)


@pytest.mark.parametrize('preset,expected', [('pydensecrf', PYDENSECRF),
                                             ('spml', SPML),
                                             ('blpseg', BLPSEG)])
def test_presets(preset, expected):
    assert build(preset=preset).crf_params == expected


def test_explicit_arguments_override_the_preset():
    refiner = build(preset='spml', bilateral_sxy=30, num_iters=2)
    assert refiner.crf_params == dict(SPML, bilateral_sxy=30.0, num_iters=2)
    # without a preset, the base is pydensecrf's
    assert build(gaussian_compat=0).crf_params == dict(PYDENSECRF,
                                                       gaussian_compat=0.0)


def test_output_is_refined_probabilities():
    logits, images = make_inputs()
    probs = build(num_iters=3)(logits, images)
    assert probs.shape == logits.shape and probs.dtype == torch.float32
    torch.testing.assert_close(probs.sum(1), torch.ones(2, 12, 16))
    assert (probs >= 0).all()
    assert not torch.allclose(probs, logits.softmax(1), atol=1e-3)


@pytest.mark.parametrize('preset', ['pydensecrf', 'spml', 'blpseg'])
def test_equals_dense_crf_called_directly(preset):
    logits, images = make_inputs(seed=1)
    refiner = build(preset=preset, bilateral_sxy=8)
    params = dict(refiner.crf_params)
    expected = dense_crf(logits.softmax(1), images, input_type='prob', **params)
    assert torch.equal(refiner(logits, images), expected)
    assert torch.equal(refiner.refine_probs(logits.softmax(1), images), expected)
    logit_refiner = build(preset=preset, bilateral_sxy=8, input_type='logits')
    expected = dense_crf(logits, images, input_type='logits', **params)
    assert torch.equal(logit_refiner(logits, images), expected)


def test_compat_matrix_from_a_config_list():
    logits, images = make_inputs(c=3)
    matrix = [[0., 1., 2.], [1., 0., 1.], [2., 1., 0.]]
    refiner = build(bilateral_compat=matrix, num_iters=2)
    assert torch.equal(refiner.bilateral_compat, torch.tensor(matrix))
    expected = dense_crf(logits.softmax(1), images, bilateral_compat=torch.tensor(
        matrix), num_iters=2)
    assert torch.equal(refiner(logits, images), expected)


@pytest.mark.parametrize('kwargs,error', [
    (dict(preset='deeplab'), ValueError),
    (dict(input_type='probs'), ValueError),
    (dict(gaussian_sxy=0), ValueError),
    (dict(bilateral_sxy=-1), ValueError),
    (dict(bilateral_srgb='13'), TypeError),
    (dict(num_iters=-1), ValueError),
    (dict(num_iters=1.5), ValueError),
    (dict(num_iters=True), ValueError),
    (dict(gaussian_compat='potts'), TypeError),
    (dict(bilateral_compat=[[1., 2., 3.]]), ValueError),
])
def test_bad_arguments(kwargs, error):
    with pytest.raises(error):
        build(**kwargs)


def test_bad_call_arguments():
    logits, images = make_inputs(c=3)
    refiner = build(bilateral_compat=torch.eye(4), num_iters=1)
    with pytest.raises(ValueError, match='4, 4'):
        refiner(logits, images)  # compat for 4 classes, scores for 3
    with pytest.raises(TypeError, match='uint8'):
        build()(logits, images.float())
    with pytest.raises(TypeError, match='floating'):
        build()(logits.long(), images)
