"""benchmark_irn: the dense baseline equals the sparse walk; bad input exits 2."""
import pytest
import torch

from mmlabeleff.ops import affinity_from_boundary, random_walk
from mmlabeleff.testing.script_loader import load_script
from mmlabeleff.utils.irn_benchmark import dense_random_walk


def test_dense_baseline_equals_the_sparse_walk():
    gen = torch.Generator().manual_seed(0)
    cams = torch.rand(3, 6, 7, generator=gen, dtype=torch.float64)
    boundary = torch.rand(6, 7, generator=gen, dtype=torch.float64) * 0.6
    radius, beta, exp_times = 2.9, 10.0, 3
    dense = dense_random_walk(cams, boundary, radius, beta, exp_times)
    affinity = affinity_from_boundary(boundary[None, None], radius, path='irn')
    sparse = random_walk((cams * (1 - boundary))[None], affinity, radius, beta,
                         exp_times)[0]
    assert torch.allclose(dense, sparse, rtol=1e-9, atol=1e-12)
    assert not torch.allclose(dense, cams * (1 - boundary))  # it did walk


@pytest.mark.parametrize('args, message', [
    ([], 'give --cam-config'),
    (['--cam-config', 'nope.py', '--cam-checkpoint', 'x.pth'], 'nope.py'),
    (['--irn-config', 'configs/irn/irn_efflite0_1xb8-300iter_msrc21-tags-256x256.py'],
     'with its checkpoint'),
])
def test_bad_arguments_exit_2(args, message, capsys, monkeypatch):
    from mmlabeleff.testing.script_loader import REPO_ROOT
    monkeypatch.chdir(REPO_ROOT)
    tool = load_script('tools/analysis_tools/benchmark_irn.py')
    with pytest.raises(SystemExit) as exc:
        tool.main(args)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith('error: ') and message in err
