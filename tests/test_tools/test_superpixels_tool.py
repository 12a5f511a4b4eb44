"""tools/dataset_converters/superpixels.py on camvid_tiny."""
import json

from mmlabeleff.structures.superpixels import load_superpixel_map
from mmlabeleff.testing.script_loader import load_script


def test_tool_writes_one_map_per_image(camvid_tiny_root, tmp_path, capsys):
    tool = load_script('tools/dataset_converters/superpixels.py')
    out = tmp_path / 'sp'
    tool.main(['--dataset', 'camvid', '--data-root', str(camvid_tiny_root),
               '--split', 'train', '--out-dir', str(out), '--min-size', '20'])
    maps = sorted(out.glob('*.png'))
    images = sorted((camvid_tiny_root / 'train').glob('*.png'))
    assert [m.name for m in maps] == [i.name for i in images]
    assert load_superpixel_map(str(maps[0])).shape == \
        __import__('cv2').imread(str(images[0])).shape[:2]
    summary = json.loads((out / 'superpixels.json').read_text())
    assert summary['params']['min_size'] == 20
    assert '4 maps in' in capsys.readouterr().out
    tool.main(['--dataset', 'camvid', '--data-root', str(camvid_tiny_root),
               '--out-dir', str(tmp_path / 'slic'), '--method', 'slic',
               '--n-segments', '10'])
    assert json.loads((tmp_path / 'slic' / 'superpixels.json').read_text())[
        'params']['n_segments'] == 10


def test_tool_errors_are_named(tmp_path, capsys):
    tool = load_script('tools/dataset_converters/superpixels.py')
    assert tool.main(['--data-root', str(tmp_path / 'nope'),
                      '--out-dir', str(tmp_path / 'o')]) == 2
    assert 'nope' in capsys.readouterr().err
    assert tool.main(['--dataset', 'folder', '--out-dir', str(tmp_path)]) == 2
