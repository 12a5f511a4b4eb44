"""Every CamVid semi-supervised recipe trains two iterations on camvid_tiny
(tiny semi splits), validates both networks where it has two, and a resumed
Mean Teacher run gets its teacher back."""
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from mmlabeleff.datasets.semi_splits import camvid_splits
from mmlabeleff.testing.script_loader import REPO_ROOT
from mmlabeleff.testing.tiny_configs import shrink_semi_recipe

pytest.importorskip('mmdet')
pytest.importorskip('mmpretrain')
#: The online methods' recipes (ST++'s chain has its own test,
#: test_stpp_pipeline.py).
RECIPES = sorted(p for p in (REPO_ROOT / 'configs/semi_supervised').glob(
    '*/*camvid*.py') if p.parent.name != 'stpp')
#: The 1/4 recipes inherit the 1/8 ones and change only the split: those
#: train here, the 1/4 ones are checked to read the other split.
TRAINED = [p for p in RECIPES if '1of8' in p.name]
QUARTERS = [p for p in RECIPES if '1of4' in p.name]
MEAN_TEACHER = (REPO_ROOT / 'configs/semi_supervised/mean_teacher/'
                'mean-teacher_efflite0_1xb8-2k_camvid-semi-1of8-176x176.py')


@pytest.fixture(scope='module')
def tiny_splits(camvid_tiny_root, tmp_path_factory):
    out = tmp_path_factory.mktemp('camvid_semi')
    camvid_splits(str(camvid_tiny_root), str(out))
    return out


def _tiny(path, root, splits, work_dir, **kwargs):
    return shrink_semi_recipe(Config.fromfile(str(path)), root, splits,
                              work_dir, **kwargs)


def test_every_method_and_split_has_a_recipe():
    names = {p.name for p in (REPO_ROOT / 'configs/semi_supervised').glob(
        '*/*camvid*.py')}
    for method in ('supervised-mfb', 'mean-teacher', 'fixmatch', 'unimatch',
                   'cps', 'stpp', 'stpp-r1', 'stpp-label'):
        for split in ('1of8', '1of4'):
            assert f'{method}_efflite0_1xb8-2k_camvid-semi-{split}-176x176.py' \
                in names


@pytest.mark.parametrize('split', ['1of8', '1of4'])
def test_stpp_retrains_with_plain_cross_entropy(split):
    """ST++ on CamVid: the supervised stage keeps the reference recipe's
    class weights, both retrainings on pseudo labels have none (as the
    public ST++ code; the weights spread rare-class blobs)."""
    folder = REPO_ROOT / 'configs/semi_supervised'
    name = f'efflite0_1xb8-2k_camvid-semi-{split}-176x176.py'

    def weights(path):
        return Config.fromfile(str(path)).model.decode_head.loss_decode.get(
            'class_weight')

    assert len(weights(folder / f'supervised/supervised-mfb_{name}')) == 11
    assert weights(folder / f'stpp/stpp-r1_{name}') is None
    assert weights(folder / f'stpp/stpp_{name}') is None


@pytest.mark.parametrize('path', RECIPES, ids=lambda p: p.stem)
def test_only_cps_drops_the_class_weights(path):
    """The online recipes supervise with the reference recipe's
    median-frequency weights, except CPS: plain cross-entropy as its public
    code (with the weights both networks fixed on a one-class labelling of
    the road; docs/semi_supervised.md)."""
    model = Config.fromfile(str(path)).model
    segmentor = model.get('segmentor', model)
    weights = segmentor.decode_head.loss_decode.get('class_weight')
    if path.parent.name == 'cps':
        assert weights is None
    else:
        assert len(weights) == 11 and min(weights) == pytest.approx(0.149)


@pytest.mark.parametrize('path', QUARTERS, ids=lambda p: p.stem)
def test_quarter_recipes_differ_from_eighths_only_in_the_split(path):
    quarter = Config.fromfile(str(path))
    eighth = Config.fromfile(str(path).replace('1of4', '1of8'))
    assert quarter.split == '1_4' and eighth.split == '1_8'
    text = quarter.pretty_text.replace('1_4', '1_8')
    assert text == eighth.pretty_text


@pytest.mark.parametrize('path', TRAINED, ids=lambda p: p.stem)
def test_recipe_trains_and_validates(path, camvid_tiny_root, tiny_splits,
                                     tmp_path):
    cfg = _tiny(path, camvid_tiny_root, tiny_splits, tmp_path / 'work')
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert (tmp_path / 'work' / 'iter_2.pth').is_file()
    logged = set(runner.message_hub.log_scalars)
    if 'TeacherStudentValLoop' in str(cfg.val_cfg.get('type')):
        assert {'val/teacher/mIoU', 'val/student/mIoU'} <= logged
    else:
        assert 'val/mIoU' in logged
    if 'segmentor' in cfg.model:  # a semi-supervised wrapper
        assert 'train/unsup.kept_ratio' in logged
        assert any(k.startswith('train/unsup.loss') for k in logged)


def test_resume_restores_the_teacher(camvid_tiny_root, tiny_splits,
                                     tmp_path):
    work = tmp_path / 'work'
    Runner.from_cfg(_tiny(MEAN_TEACHER, camvid_tiny_root, tiny_splits,
                          work)).train()
    ckpt = torch.load(work / 'iter_2.pth', map_location='cpu')['state_dict']
    teacher = {k[len('teacher.'):]: v for k, v in ckpt.items()
               if k.startswith('teacher.')}
    student = {k[len('student.'):]: v for k, v in ckpt.items()
               if k.startswith('student.')}
    assert any(not torch.equal(teacher[k], student[k]) for k in teacher
               if teacher[k].dtype.is_floating_point)
    cfg = _tiny(MEAN_TEACHER, camvid_tiny_root, tiny_splits, work,
                max_iters=3)
    cfg.resume = True
    runner = Runner.from_cfg(cfg)
    runner.load_or_resume()
    assert runner.iter == 2
    for name, value in runner.model.teacher.state_dict().items():
        assert torch.equal(value, teacher[name]), name


#: The first split's GPU-scale recipe of each method (the other splits
#: inherit it and change only the split and schedule, checked by
#: tests/test_configs.py).
DATA = REPO_ROOT / 'tests' / 'data'
GPU_RECIPES = sorted(
    p for p in (REPO_ROOT / 'configs/semi_supervised').glob('*/*_r101-d16_*.py')
    if p.parent.name != 'stpp' and ('-semi-92-' in p.name
                                    or '-semi-1of16-' in p.name))


def _gpu_tiny_data(path, tmp_path):
    """voc_tiny / cityscapes_tiny and labelled / unlabelled split files."""
    if 'voc12aug' in path.name:
        root = DATA / 'voc_tiny' / 'VOCdevkit' / 'VOC2012'
        ids = (root / 'ImageSets/Segmentation/train.txt').read_text().split()
        (tmp_path / 'labeled.txt').write_text(ids[0] + '\n')
        (tmp_path / 'unlabeled.txt').write_text('\n'.join(ids[1:]) + '\n')
        return root, tmp_path / 'labeled.txt', tmp_path / 'unlabeled.txt'
    root = DATA / 'cityscapes_tiny'
    return (root, root / 'splits/train_labeled.txt',
            root / 'splits/train_unlabeled.txt')


def test_gpu_recipes_cover_every_method():
    methods = {p.parent.name for p in GPU_RECIPES}
    assert methods == {'supervised', 'mean_teacher', 'fixmatch', 'unimatch',
                       'cps'}
    assert len(GPU_RECIPES) == 10  # VOC 92 and Cityscapes 1/16 each


@pytest.mark.parametrize('path', GPU_RECIPES, ids=lambda p: p.stem)
def test_gpu_recipe_trains_one_iteration(path, tmp_path):
    """The VOC / Cityscapes recipe itself (pipelines, wrapper, losses,
    hooks, validation loop) with a narrow ResNet-18 on tiny data."""
    from mmlabeleff.testing.tiny_configs import shrink_semi_r101_recipe
    root, labeled, unlabeled = _gpu_tiny_data(path, tmp_path)
    cfg = shrink_semi_r101_recipe(Config.fromfile(str(path)), root, labeled,
                                  unlabeled, tmp_path / 'work')
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert (tmp_path / 'work' / 'iter_1.pth').is_file()
    logged = set(runner.message_hub.log_scalars)
    assert any(k.endswith('mIoU') for k in logged)
    if 'segmentor' in cfg.model:
        assert any(k.startswith('train/unsup.loss') for k in logged)
