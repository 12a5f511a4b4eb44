"""``tools/analysis_tools/show_semi_batch.py`` on a shrunk CamVid FixMatch
recipe (the drawing is tested in tests/test_apis/test_semi_batch.py)."""
import numpy as np
import pytest
from PIL import Image

pytest.importorskip('mmdet')
pytest.importorskip('mmpretrain')
FIXMATCH = ('configs/semi_supervised/fixmatch/'
            'fixmatch_efflite0_1xb8-2k_camvid-semi-1of8-176x176.py')


@pytest.fixture(scope='module')
def tool(load_tool):
    """The script, imported from its path."""
    return load_tool('tools/analysis_tools/show_semi_batch.py')


def _tiny_recipe(tmp_path, camvid_tiny_root, path=FIXMATCH):
    from mmengine.config import Config

    from mmlabeleff.datasets.semi_splits import camvid_splits
    from mmlabeleff.testing.script_loader import REPO_ROOT
    from mmlabeleff.testing.tiny_configs import shrink_semi_recipe
    camvid_splits(str(camvid_tiny_root), str(tmp_path / 'splits'))
    cfg = shrink_semi_recipe(Config.fromfile(str(REPO_ROOT / path)),
                             camvid_tiny_root, tmp_path / 'splits',
                             tmp_path / 'work')
    cfg_file = tmp_path / 'semi.py'
    cfg.dump(str(cfg_file))
    return cfg_file


def test_draws_sup_weak_and_mixed_strong_views(tool, tmp_path,
                                               camvid_tiny_root, capsys):
    cfg_file = _tiny_recipe(tmp_path, camvid_tiny_root)
    out = tmp_path / 'vis'
    tool.main([str(cfg_file), '--output-dir', str(out), '--num', '2'])
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 2 and names[0].startswith('00_')
    assert not any(n.endswith('.tmp') for n in names)
    picture = np.asarray(Image.open(out / names[0]))
    height, width = picture.shape[:2]
    assert height == 32 and width == 3 * 32  # sup | weak | strong, at crop
    assert 'wrote 2 pictures' in capsys.readouterr().out
    # the same seed draws the same batch and mixing
    tool.main([str(cfg_file), '--output-dir', str(tmp_path / 'again'),
               '--num', '2'])
    assert np.array_equal(
        picture, np.asarray(Image.open(tmp_path / 'again' / names[0])))


def test_refuses_a_config_that_is_not_semi_supervised(tool, tmp_path,
                                                      camvid_tiny_root):
    from mmlabeleff.testing.tiny_configs import dump_tiny_camvid_config
    cfg_file = dump_tiny_camvid_config(tmp_path / 'cfg.py', camvid_tiny_root,
                                       tmp_path / 'work')
    with pytest.raises(SystemExit) as error:
        tool.main([str(cfg_file), '--output-dir', str(tmp_path / 'vis')])
    assert str(cfg_file) in str(error.value.code)
    assert 'not a semi-supervised' in str(error.value.code)
    assert not (tmp_path / 'vis').exists()
    with pytest.raises(SystemExit) as error:
        tool.main([str(tmp_path / 'missing.py')])
    assert 'file not found' in str(error.value.code)


def test_unreadable_checkpoint_is_a_clear_error(tool, tmp_path,
                                                camvid_tiny_root):
    cfg_file = _tiny_recipe(tmp_path, camvid_tiny_root)
    empty = tmp_path / 'empty.pth'
    empty.write_bytes(b'')
    with pytest.raises(SystemExit) as error:
        tool.main([str(cfg_file), '--checkpoint', str(empty),
                   '--output-dir', str(tmp_path / 'vis')])
    assert str(empty) in str(error.value.code)
    assert 'not a readable PyTorch checkpoint' in str(error.value.code)
    assert not (tmp_path / 'vis').exists()
