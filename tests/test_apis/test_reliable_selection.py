"""ST++'s reliable-image selection: the score, the halves, the files."""
import json

import numpy as np
import pytest
from PIL import Image

from mmlabeleff.apis.reliable_selection import (
    prediction_agreement,
    select_reliable,
    stability_scores,
)


def _reference_miou(pred, final, num_classes):
    """The public code's meanIOU: histogram over (final, pred), nanmean."""
    hist = np.zeros((num_classes, num_classes))
    for t, p in zip(final.ravel(), pred.ravel()):
        hist[t, p] += 1
    with np.errstate(invalid='ignore', divide='ignore'):
        iu = np.diag(hist) / (hist.sum(1) + hist.sum(0) - np.diag(hist))
    return np.nanmean(iu)


def test_agreement_matches_the_public_formula():
    rng = np.random.RandomState(0)
    for _ in range(5):
        final = rng.randint(0, 4, (6, 7))
        pred = np.where(rng.rand(6, 7) < 0.7, final, rng.randint(0, 4, (6, 7)))
        assert prediction_agreement(pred, final, 5) == pytest.approx(
            _reference_miou(pred, final, 5))
    same = rng.randint(0, 3, (4, 4))
    assert prediction_agreement(same, same, 3) == 1.0
    with pytest.raises(ValueError, match='shapes'):
        prediction_agreement(same, same[:2], 3)


def _dump(folder, preds):
    folder.mkdir(parents=True)
    for img_id, pred in preds.items():
        Image.fromarray(pred.astype(np.uint8)).save(folder / f'{img_id}.png')


def test_selection_keeps_the_most_stable_half(tmp_path):
    final = {f'img{i}': np.full((4, 4), i % 3) for i in range(5)}
    early = {}
    for i, (img_id, pred) in enumerate(final.items()):
        noisy = pred.copy()
        noisy.ravel()[:i * 3] = (noisy.ravel()[:i * 3] + 1) % 3  # i*3 wrong
        early[img_id] = noisy
    _dump(tmp_path / 'c1', early)
    _dump(tmp_path / 'c2', early)
    _dump(tmp_path / 'final', final)
    split = tmp_path / 'unlabeled.txt'
    split.write_text(''.join(f'train/{k}.png trainannot/{k}.png\n'
                             for k in reversed(list(final))))
    dumps = [str(tmp_path / d) for d in ('c1', 'c2', 'final')]
    scores = stability_scores(dumps, list(final), 3)
    assert scores['img0'] == 1.0
    assert scores['img0'] > scores['img1'] > scores['img2'] > scores['img4']
    out = select_reliable(dumps, str(split), str(tmp_path / 'sel'), 3)
    assert (out['num_reliable'], out['num_unreliable']) == (2, 3)
    reliable = (tmp_path / 'sel' / 'reliable.txt').read_text().splitlines()
    assert reliable == ['train/img0.png trainannot/img0.png',
                        'train/img1.png trainannot/img1.png']
    unreliable = (tmp_path / 'sel/unreliable.txt').read_text().splitlines()
    assert len(unreliable) == 3 and not set(reliable) & set(unreliable)
    saved = json.loads((tmp_path / 'sel' / 'scores.json').read_text())
    assert list(saved['scores'])[0] == 'img0'
    assert not list((tmp_path / 'sel').glob('*.tmp'))


def test_bad_inputs_are_named(tmp_path):
    split = tmp_path / 'split.txt'
    split.write_text('train/a.png trainannot/a.png\n')
    _dump(tmp_path / 'final', {'a': np.zeros((2, 2))})
    with pytest.raises(FileNotFoundError, match='early/a.png'):
        select_reliable([str(tmp_path / 'early'), str(tmp_path / 'final')],
                        str(split), str(tmp_path / 'out'), 2)
    with pytest.raises(ValueError, match='at least two'):
        stability_scores([str(tmp_path / 'final')], ['a'], 2)
    with pytest.raises(ValueError, match='ratio'):
        select_reliable([str(tmp_path / 'final')] * 2, str(split),
                        str(tmp_path / 'out'), 2, ratio=1.0)
    (tmp_path / 'bad').mkdir()
    (tmp_path / 'bad' / 'a.png').write_bytes(b'not a png')
    with pytest.raises(ValueError, match='bad/a.png'):
        select_reliable([str(tmp_path / 'bad'), str(tmp_path / 'final')],
                        str(split), str(tmp_path / 'out'), 2)
    assert not (tmp_path / 'out' / 'reliable.txt').exists()


def _camvid(root, split):
    from mmengine.registry import init_default_scope

    from mmlabeleff.registry import DATASETS
    init_default_scope('mmlabeleff')
    return DATASETS.build(dict(type='CamVidDataset', data_root=str(root),
                               ann_file=str(split), pipeline=[]))


def _truth(root, line):
    """The mask of a split line with CamVid's void (11) as 255."""
    gt = np.asarray(Image.open(root / line.split()[1])).astype(np.uint8)
    return np.where(gt == 11, 255, gt).astype(np.uint8)


def test_score_pseudo_labels_against_the_dataset_masks(camvid_tiny_root,
                                                        tmp_path):
    from mmlabeleff.apis.reliable_selection import score_pseudo_labels
    split = camvid_tiny_root / 'splits' / 'train.txt'
    lines = split.read_text().split('\n')
    lines = [line for line in lines if line.strip()]
    truths = {line.split()[0][6:-4]: _truth(camvid_tiny_root, line)
              for line in lines}
    assert any((t == 255).any() for t in truths.values())  # void present
    # the masks themselves (void -> 255 marks those pixels unlabelled, and
    # they are not scored since the ground truth ignores them too)
    _dump(tmp_path / 'perfect', truths)
    dataset = _camvid(camvid_tiny_root, split)
    perfect = score_pseudo_labels(str(tmp_path / 'perfect'), dataset)
    assert perfect['num_images'] == len(lines)
    assert perfect['aAcc'] == 100.0 and perfect['coverage'] == 100.0
    assert all(np.isnan(v) or v == 100.0 for v in perfect['IoU'].values())
    # one class wrong everywhere: its IoU drops to 0, the pixel accuracy by
    # its share
    road = 3
    wrong = {k: np.where(t == road, 4, t).astype(np.uint8)
             for k, t in truths.items()}
    _dump(tmp_path / 'wrong', wrong)
    scored = score_pseudo_labels(str(tmp_path / 'wrong'), dataset)
    assert scored['IoU']['Road'] == 0.0
    labelled = np.concatenate([t[t != 255] for t in truths.values()])
    assert scored['aAcc'] == pytest.approx(
        100 * (1 - (labelled == road).mean()), abs=0.01)
    # a missing label map names the file
    (tmp_path / 'wrong' / f'{next(iter(truths))}.png').unlink()
    with pytest.raises(FileNotFoundError, match='prediction not found'):
        score_pseudo_labels(str(tmp_path / 'wrong'), dataset)
