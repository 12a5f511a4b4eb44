"""Tests of ``tools/misc/browse_dataset.py`` on the tiny fake CamVid."""
import importlib.util
import os
import os.path as osp

import mmcv
import numpy as np
import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCRIPT = osp.join(ROOT, 'tools', 'misc', 'browse_dataset.py')


@pytest.fixture(scope='module')
def browse_dataset():
    """The script, imported from its path."""
    spec = importlib.util.spec_from_file_location('browse_dataset', SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_draws_dense_masks(browse_dataset, tiny_camvid_cfg, tmp_path):
    cfg = tiny_camvid_cfg()
    out_dir = tmp_path / 'vis'
    written = browse_dataset.browse(cfg, str(out_dir), max_num=2, alpha=0.5)

    assert len(written) == 2
    assert sorted(os.listdir(out_dir)) == sorted(
        osp.basename(f) for f in written)
    assert osp.basename(written[0]).startswith('00000_')
    dataset = browse_dataset.DATASETS.build(cfg.train_dataloader.dataset)
    for index, out_file in enumerate(written):
        drawn = mmcv.imread(out_file)  # BGR
        item = dataset[index]
        raw = item['inputs'].numpy().transpose(1, 2, 0)  # BGR
        assert drawn.shape == raw.shape
        # The mask overlay changes the picture.
        assert not np.array_equal(drawn, raw)


def test_label_type_of_dense_and_unlabeled(browse_dataset):
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample

    sample = SegDataSample()
    assert browse_dataset.label_type_of(sample) == 'none'
    sample.gt_sem_seg = PixelData(data=np.zeros((1, 4, 4), dtype=np.int64))
    assert browse_dataset.label_type_of(sample) == 'dense'
    assert set(browse_dataset.LABEL_DRAWERS) >= {'dense', 'none'}
