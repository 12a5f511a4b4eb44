"""``tools/pseudo_label/score_pseudo_labels.py`` (the scoring is tested in
tests/test_apis/test_reliable_selection.py)."""
import json

import numpy as np
import pytest
from PIL import Image


@pytest.fixture(scope='module')
def tool(load_tool):
    """The script, imported from its path."""
    return load_tool('tools/pseudo_label/score_pseudo_labels.py')


def test_scores_a_dump_and_writes_json(tool, camvid_tiny_root, tmp_path,
                                       capsys):
    split = camvid_tiny_root / 'splits' / 'train.txt'
    dump = tmp_path / 'dump'
    dump.mkdir()
    for line in split.read_text().split('\n'):
        if line.strip():
            img, seg = line.split()
            gt = np.asarray(Image.open(camvid_tiny_root / seg))
            Image.fromarray(np.where(gt == 11, 255, gt).astype(np.uint8)).save(
                dump / img.split('/')[-1])
    out = tmp_path / 'scores' / 'train.json'
    rc = tool.main([str(dump), '--split', str(split), '--data-root',
                    str(camvid_tiny_root), '--dataset', 'CamVidDataset',
                    '--out', str(out)])
    assert rc == 0
    printed = capsys.readouterr().out
    assert 'aAcc 100.00' in printed and 'Road' in printed
    saved = json.loads(out.read_text())
    assert saved['aAcc'] == 100.0 and saved['num_images'] >= 1


def test_bad_input_is_an_error_line(tool, camvid_tiny_root, tmp_path, capsys):
    split = camvid_tiny_root / 'splits' / 'train.txt'
    assert tool.main([str(tmp_path), '--split', str(tmp_path / 'no.txt'),
                      '--data-root', str(camvid_tiny_root),
                      '--dataset', 'CamVidDataset']) == 2
    assert 'no.txt: split file not found' in capsys.readouterr().err
    assert tool.main([str(tmp_path), '--split', str(split), '--data-root',
                      str(camvid_tiny_root), '--dataset', 'NoSuch']) == 2
    assert 'not a registered dataset' in capsys.readouterr().err
    assert tool.main([str(tmp_path / 'empty'), '--split', str(split),
                      '--data-root', str(camvid_tiny_root),
                      '--dataset', 'CamVidDataset']) == 2
    assert 'prediction not found' in capsys.readouterr().err
