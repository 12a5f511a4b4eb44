"""Tests of :mod:`mmlabeleff.structures.scribblesup` on tiny fake data."""
import numpy as np
import pytest
from PIL import Image

from mmlabeleff.structures.scribblesup import (
    class_table,
    convert_scribblesup,
    parse_scribble_xml,
    rasterise_scribbles,
    scribblesup_output_name,
    sub_polyline,
)


@pytest.fixture(scope='module')
def scribble_xml(repo_root):
    return (repo_root / 'tests' / 'data' / 'voc_tiny' / 'scribble_annotation' /
            'pascal_2012')


def _png(path):
    return np.array(Image.open(path))


def test_output_names():
    assert scribblesup_output_name('voc', 1.0) == 'scribbles_r100'
    assert scribblesup_output_name('voc', 0.8, dilation=3) == \
        'scribbles_r080_d3'
    assert scribblesup_output_name('voc', 0.0) == 'points_r000'
    assert scribblesup_output_name('voc', 0.0, dilation=6) == 'points_r000_d6'
    assert scribblesup_output_name('context59', 1.0) == \
        'context59_scribbles_r100'
    assert scribblesup_output_name('context60', 0.0) == 'context60_points_r000'


def test_class_tables():
    voc = class_table('voc')
    assert voc['plane'] == voc['aeroplane'] == 1 and voc['tv'] == 20
    assert voc['pottedplant'] == voc['plant'] == 16
    ctx59 = class_table('context59')
    assert ctx59['background'] == 255 and ctx59['aeroplane'] == 0
    assert class_table('context60')['background'] == 0
    with pytest.raises(ValueError, match='dataset must be one of'):
        class_table('ade')


def test_parse_scribble_xml(scribble_xml):
    height, width, scribbles = parse_scribble_xml(
        str(scribble_xml / '2007_000032.xml'))
    assert scribbles and all(p.shape[1] == 2 for _, p in scribbles)
    assert {tag for tag, _ in scribbles} >= {'plane'}
    with pytest.raises(FileNotFoundError, match='nosuch.xml'):
        parse_scribble_xml(str(scribble_xml / 'nosuch.xml'))


def test_scribbles_are_1px_polylines_on_unlabeled():
    scribbles = [(3, np.array([[1, 1], [8, 1], [8, 5]])),
                 (7, np.array([[0, 9], [0, 9]]))]
    label_map, centres = rasterise_scribbles(scribbles, 10, 12)
    assert label_map.dtype == np.uint8
    assert (label_map[1, 1:9] == 3).all() and (label_map[1:6, 8] == 3).all()
    assert (label_map == 3).sum() == 12
    assert label_map[9, 0] == 7 and (label_map == 7).sum() == 1
    assert set(np.unique(label_map)) == {3, 7, 254}
    assert centres == []
    thick, _ = rasterise_scribbles(scribbles, 10, 12, dilation=3)
    assert ((label_map == 3) <= (thick == 3)).all()
    assert (thick == 3).sum() > 2 * (label_map == 3).sum()


def test_length_ratios_keep_a_centred_sub_polyline():
    line = np.array([[0.0, 0.0], [10.0, 0.0], [10.0, 10.0]])  # length 20
    half = sub_polyline(line, 0.5)
    np.testing.assert_allclose(half, [[5, 0], [10, 0], [10, 5]])
    np.testing.assert_allclose(sub_polyline(line, 0.0),
                               [[10, 0]])
    np.testing.assert_allclose(sub_polyline(line, 1.0), line)
    for ratio in (0.8, 0.3):
        part = sub_polyline(line, ratio)
        length = np.hypot(*np.diff(part, axis=0).T).sum()
        assert length == pytest.approx(20 * ratio)
    label_map, centres = rasterise_scribbles([(2, line)], 12, 12, ratio=0.0,
                                               dilation=6)
    assert centres == [{'point': [10, 0], 'point_label': 2}]
    assert label_map[0, 10] == 2 and 6 < (label_map == 2).sum() < 36
    with pytest.raises(ValueError):
        sub_polyline(line, 1.5)


def test_scribble_coordinates_are_clipped_and_offset(scribble_xml, tmp_path):
    # 2008_000002's background scribble ends at X=52 in a 48-wide image
    convert_scribblesup(str(scribble_xml), str(tmp_path))
    label_map = _png(tmp_path / 'scribbles_r100' / '2008_000002.png')
    assert label_map[28, 47] == 0
    shifted = tmp_path / 'shifted'
    convert_scribblesup(str(scribble_xml), str(shifted), coord_offset=-1)
    moved = _png(shifted / 'scribbles_r100' / '2008_000002.png')
    assert moved[11, 7] == 12 and label_map[12, 8] == 12


def test_context59_background_is_ignored(repo_root, tmp_path):
    xml_dir = (repo_root / 'tests' / 'data' / 'pascal_context_tiny' /
               'scribble_annotation' / 'pascal_context')
    convert_scribblesup(str(xml_dir), str(tmp_path), dataset='context59')
    convert_scribblesup(str(xml_dir), str(tmp_path), dataset='context60')
    m59 = _png(tmp_path / 'context59_scribbles_r100' / '2008_000002.png')
    m60 = _png(tmp_path / 'context60_scribbles_r100' / '2008_000002.png')
    labelled = m60 != 254
    assert ((m59 == 254) == ~labelled).all()
    assert (m59[m60 == 0] == 255).all()
    assert (m59[labelled & (m60 > 0)] == m60[labelled & (m60 > 0)] - 1).all()


def _write_xml(folder, name, text):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)


def test_scribblesup_bad_inputs_name_the_file(scribble_xml, tmp_path):
    good = (scribble_xml / '2007_000032.xml').read_text()
    xml_dir = tmp_path / 'xml'
    _write_xml(xml_dir, 'a.xml', good.replace('<tag>plane</tag>',
                                              '<tag>unicorn</tag>'))
    with pytest.raises(ValueError, match="a.xml: unknown class name "
                       "'unicorn'"):
        convert_scribblesup(str(xml_dir), str(tmp_path / 'out'))
    summary = convert_scribblesup(str(xml_dir), str(tmp_path / 'out'),
                                  skip_unknown=True)
    assert summary['skipped'] == 1 and summary['scribbles'] == 2
    _write_xml(xml_dir, 'a.xml', good[:150])
    with pytest.raises(ValueError, match='a.xml: malformed XML'):
        convert_scribblesup(str(xml_dir), str(tmp_path / 'out'))
    _write_xml(xml_dir, 'a.xml', '<annotation><size><width>4</width>'
               '<height>4</height></size><polygon><tag>dog</tag></polygon>'
               '</annotation>')
    with pytest.raises(ValueError, match='a.xml: <polygon> 0 .* no <point>'):
        convert_scribblesup(str(xml_dir), str(tmp_path / 'out'))
    _write_xml(xml_dir, 'a.xml', '<annotation><polygon><tag>dog</tag><point>'
               '<X>1</X><Y>1</Y></point></polygon></annotation>')
    with pytest.raises(ValueError, match='a.xml: no <size>'):
        convert_scribblesup(str(xml_dir), str(tmp_path / 'out'))
    split = tmp_path / 'split.txt'
    split.write_text('a\nb\n')
    with pytest.raises(FileNotFoundError, match='b.xml'):
        convert_scribblesup(str(xml_dir), str(tmp_path / 'out'),
                            split=str(split))
    split.write_text('')
    with pytest.raises(ValueError, match='split.txt: split file lists no'):
        convert_scribblesup(str(xml_dir), str(tmp_path / 'out'),
                            split=str(split))
    empty = tmp_path / 'empty'
    empty.mkdir()
    with pytest.raises(ValueError, match='empty: no .xml files'):
        convert_scribblesup(str(empty), str(tmp_path / 'out'))
    with pytest.raises(FileNotFoundError, match='nosuch'):
        convert_scribblesup(str(tmp_path / 'nosuch'), str(tmp_path))
