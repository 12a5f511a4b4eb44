"""Tests of ``tools/analysis_tools/show_predictions.py`` (the drawing is
tested in tests/test_apis/test_inference.py)."""
import numpy as np
import pytest
import torch
from PIL import Image

from mmlabeleff.testing.tiny_configs import dump_tiny_camvid_config


@pytest.fixture(scope='module')
def tool(load_tool):
    """The script, imported from its path."""
    return load_tool('tools/analysis_tools/show_predictions.py')


def test_writes_a_grid_of_the_val_images(tool, tmp_path, camvid_tiny_root,
                                         capsys):
    from mmlabeleff.apis import init_model, load_config
    # no resizing at test time: the grid shows the images as they are
    pipeline = [dict(type='LoadImageFromFile'),
                dict(type='mmseg.LoadAnnotations'),
                dict(type='mmseg.PackSegInputs')]
    cfg_file = dump_tiny_camvid_config(
        tmp_path / 'cfg.py', camvid_tiny_root, tmp_path / 'work',
        **{'val_dataloader.dataset.pipeline': pipeline})
    torch.manual_seed(0)
    model = init_model(load_config(cfg_file))
    torch.save({'state_dict': model.state_dict()}, tmp_path / 'w.pth')
    out = tmp_path / 'vis' / 'grid.png'
    tool.main([cfg_file, str(tmp_path / 'w.pth'), '--out', str(out),
               '--num', '2'])
    assert f'wrote {out}' in capsys.readouterr().out
    grid = np.asarray(Image.open(out))
    # two rows of 36 + 4 pixels; image | ground truth | prediction of 48
    assert grid.shape == (2 * 40, 3 * 48, 3)
    # the left column is the val image itself (RGB)
    first = np.asarray(Image.open(
        camvid_tiny_root / 'val' / '0016E5_00000.png').convert('RGB'))
    np.testing.assert_array_equal(grid[:36, :48], first)
    assert (grid[36:40] == 255).all()


def test_missing_files_are_named(tool, tmp_path):
    with pytest.raises(SystemExit, match='nope.py'):
        tool.main([str(tmp_path / 'nope.py'), 'x.pth', '--out', 'a.png'])
