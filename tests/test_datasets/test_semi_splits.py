"""CamVid semi splits: seeded, nested, dataset-readable; the CLI option."""
import shutil

import pytest

from mmlabeleff.datasets import CamVidDataset
from mmlabeleff.datasets.semi_splits import (
    camvid_splits,
    fraction_count,
    read_split_pairs,
)
from mmlabeleff.testing.script_loader import load_script


def _fake_camvid(root, n=367):
    (root / 'splits').mkdir(parents=True)
    lines = [f'train/img_{i:03d}.png trainannot/img_{i:03d}.png'
             for i in range(n)]
    (root / 'splits' / 'train.txt').write_text('\n'.join(lines) + '\n')
    return lines


def test_camvid_fractions_are_46_and_92_nested_and_seeded(tmp_path):
    lines = _fake_camvid(tmp_path / 'camvid')
    assert (fraction_count(367, 8), fraction_count(367, 4)) == (46, 92)
    written = camvid_splits(str(tmp_path / 'camvid'), str(tmp_path / 'a'))
    assert [(n, u) for _, n, u in written] == [(46, 321), (92, 275)]
    eighth = read_split_pairs(str(tmp_path / 'a/1_8/labeled.txt'))
    quarter = read_split_pairs(str(tmp_path / 'a/1_4/labeled.txt'))
    rest = read_split_pairs(str(tmp_path / 'a/1_8/unlabeled.txt'))
    assert set(eighth) < set(quarter)
    assert sorted(eighth + rest) == sorted(lines)
    camvid_splits(str(tmp_path / 'camvid'), str(tmp_path / 'b'))
    assert (tmp_path / 'b/1_8/labeled.txt').read_text() == \
        (tmp_path / 'a/1_8/labeled.txt').read_text()
    camvid_splits(str(tmp_path / 'camvid'), str(tmp_path / 'c'), seed=1)
    assert (tmp_path / 'c/1_8/labeled.txt').read_text() != \
        (tmp_path / 'a/1_8/labeled.txt').read_text()
    assert not list(tmp_path.rglob('*.tmp'))


def test_bad_split_files_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='train.txt'):
        camvid_splits(str(tmp_path / 'nosuch'), str(tmp_path / 'out'))
    (tmp_path / 'splits').mkdir()
    (tmp_path / 'splits' / 'train.txt').write_text('train/a.png\n')
    with pytest.raises(ValueError, match=r'train.txt:1: expected'):
        camvid_splits(str(tmp_path), str(tmp_path / 'out'))
    (tmp_path / 'splits' / 'train.txt').write_text('a b\n')
    with pytest.raises(ValueError, match='too few'):
        camvid_splits(str(tmp_path), str(tmp_path / 'out'), divisors=(4, ))
    assert not (tmp_path / 'out').exists()


def test_dataset_reads_a_split_beside_a_linked_data_root(camvid_tiny_root,
                                                         tmp_path):
    """``ann_file='../camvid_semi/...'`` under a data_root that is a link
    names the folder beside the link (lexical normalisation)."""
    real = tmp_path / 'elsewhere' / 'camvid'
    shutil.copytree(camvid_tiny_root, real)
    data = tmp_path / 'data'
    data.mkdir()
    (data / 'camvid').symlink_to(real)
    camvid_splits(str(data / 'camvid'), str(data / 'camvid_semi'))
    labeled = CamVidDataset(data_root=str(data / 'camvid'),
                            ann_file='../camvid_semi/1_8/labeled.txt')
    unlabeled = CamVidDataset(data_root=str(data / 'camvid'),
                              ann_file='../camvid_semi/1_8/unlabeled.txt',
                              supervision='unlabeled')
    assert len(labeled) == 1 and len(unlabeled) == 3
    assert 'seg_map_path' not in unlabeled.get_data_info(0)
    names = {ds.get_data_info(i)['img_path'] for ds in (labeled, unlabeled)
             for i in range(len(ds))}
    assert len(names) == 4


def test_cli_camvid_option(tmp_path, capsys):
    tool = load_script('tools/dataset_converters/semi_splits.py')
    _fake_camvid(tmp_path / 'camvid', n=40)
    assert tool.main(['camvid', str(tmp_path / 'camvid'), '--out-dir',
                      str(tmp_path / 'out')]) == 0
    assert '1_8: 5 labeled, 35 unlabeled' in capsys.readouterr().out
    assert tool.main(['camvid', str(tmp_path / 'nosuch'), '--out-dir',
                      str(tmp_path / 'out')]) == 2
    assert 'train.txt' in capsys.readouterr().err
