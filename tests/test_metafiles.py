"""The model-index files (``configs/*/metafile.yml``, mmseg's schema) point
at real configs and READMEs, and every result they list is the figure of
their README's results table."""
from pathlib import Path

import pytest
import yaml

from mmlabeleff.testing.script_loader import REPO_ROOT

METAFILES = sorted((REPO_ROOT / 'configs').glob('*/metafile.yml'))


def _load(path: Path) -> dict:
    with open(path) as f:
        return yaml.safe_load(f)


def test_there_are_metafiles():
    assert len(METAFILES) >= 3


@pytest.mark.parametrize('path', METAFILES, ids=lambda p: p.parent.name)
def test_metafile_points_at_configs_and_readmes(path):
    index = _load(path)
    collections = {c['Name']: c for c in index['Collections']}
    for collection in collections.values():
        assert (REPO_ROOT / collection['README']).is_file(), collection
    names = [m['Name'] for m in index['Models']]
    assert len(names) == len(set(names)), 'duplicate model names'
    for model in index['Models']:
        config = REPO_ROOT / model['Config']
        assert config.is_file(), model['Config']
        assert model['Name'] == config.stem
        assert model['In Collection'] in collections


@pytest.mark.parametrize('path', METAFILES, ids=lambda p: p.parent.name)
def test_every_listed_result_is_in_the_readme(path):
    index = _load(path)
    readmes = {c['Name']: (REPO_ROOT / c['README']).read_text()
               for c in index['Collections']}
    for model in index['Models']:
        for result in model.get('Results', []):
            for metric, value in result['Metrics'].items():
                assert isinstance(value, (int, float)), (model['Name'], metric)
                text = readmes[model['In Collection']]
                assert f'{value:.2f}' in text, (
                    f"{model['Name']}: {metric} {value} is not in "
                    'its README')
