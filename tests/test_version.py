import pytest

import mmlabeleff
from mmlabeleff.version import parse_version_info


def test_version_info_matches_version():
    assert '.'.join(map(str, mmlabeleff.version_info[:3])) == \
        mmlabeleff.__version__.split('rc')[0]


def test_parse_version_info():
    assert parse_version_info('1.2.3') == (1, 2, 3)
    assert parse_version_info('0.2.0rc1') == (0, 2, 0, 'rc1')
    with pytest.raises(ValueError, match='invalid version'):
        parse_version_info('1.x')
