"""mmlabeleff.apis.stpp.stpp_stages: ST++'s chain as pipeline stages (paths
and options routed to the right stages), and the GPU-scale pipeline configs
built with it (the whole chain runs in tests/test_tools/test_stpp_pipeline.py).
"""
import pytest

from mmlabeleff.apis.pipeline import plan_pipeline
from mmlabeleff.testing.script_loader import REPO_ROOT

FOLDER = REPO_ROOT / 'configs/semi_supervised'
SUP = FOLDER / ('supervised/'
                'supervised-mfb_efflite0_1xb8-2k_camvid-semi-1of8-176x176.py')
LABEL = FOLDER / 'stpp/stpp-label_efflite0_1xb8-2k_camvid-semi-1of8-176x176.py'
R1 = FOLDER / 'stpp/stpp-r1_efflite0_1xb8-2k_camvid-semi-1of8-176x176.py'
FINAL = FOLDER / 'stpp/stpp_efflite0_1xb8-2k_camvid-semi-1of8-176x176.py'

def test_stpp_stages_route_paths_and_options(tmp_path, monkeypatch):
    from mmlabeleff.apis.stpp import stpp_stages
    monkeypatch.chdir(REPO_ROOT)
    stages = stpp_stages(
        str(SUP), str(LABEL), str(R1), str(FINAL), root='w/stpp',
        checkpoints=(10, 20, 40), labeled_split='s/labeled.txt',
        unlabeled_split='s/unlabeled.txt', num_classes=11,
        sup_options={'default_hooks.checkpoint.interval': 10},
        train_options={'train_cfg.max_iters': 30,
                       'param_scheduler.0.end': 30})
    by_name = {s['name']: s for s in stages}
    assert list(by_name) == ['sup', 'label_10', 'label_20', 'label_40',
                             'select', 'retrain1', 'relabel', 'final']
    assert by_name['sup']['cfg_options'] == {
        'default_hooks.checkpoint.interval': 10}
    assert by_name['sup']['work_dir'] == 'work_dirs/' + SUP.stem
    assert by_name['label_20']['checkpoint'] == \
        f'work_dirs/{SUP.stem}/iter_20.pth'
    assert by_name['label_20']['cfg_options'][
        'test_dataloader.dataset.ann_file'] == str(
            REPO_ROOT / 's/unlabeled.txt')
    assert by_name['select']['select']['dumps'][-1] == 'w/stpp/label_40/pred'
    retrain = by_name['retrain1']['cfg_options']
    assert retrain['train_cfg.max_iters'] == 30  # train options reach it
    assert 'default_hooks.checkpoint.interval' not in retrain
    assert retrain['train_dataloader.dataset.datasets.1.seg_map_root'] == \
        'w/stpp/label_40/pred'  # the final supervised model's labels
    # the relabelling loads the retrained model's last checkpoint, whose
    # iteration follows the training options
    assert by_name['relabel']['checkpoint'] == 'w/stpp/retrain1/iter_30.pth'
    final = by_name['final']['cfg_options']
    assert final['train_dataloader.dataset.datasets.2.ann_file'] == str(
        REPO_ROOT / 'w/stpp/select/unreliable.txt')
    assert final['train_dataloader.dataset.datasets.2.seg_map_root'] == \
        'w/stpp/label_r1/pred'


@pytest.mark.parametrize('checkpoints', [(10, ), (20, 10), (10, 10)])
def test_stpp_stages_refuse_bad_checkpoints(checkpoints):
    from mmlabeleff.apis.stpp import stpp_stages
    with pytest.raises(ValueError, match='at least two increasing'):
        stpp_stages(str(SUP), str(LABEL), str(R1), str(FINAL), root='w',
                    checkpoints=checkpoints, labeled_split='l.txt',
                    unlabeled_split='u.txt', num_classes=11)


@pytest.mark.parametrize('name, first_label, retrain_iters', [
    ('r101-d16_voc12aug-semi-92', 26250, 105000),
    ('r101-d16_voc12aug-semi-1464', 22750, 91000),
    ('r101-d16_cityscapes-semi-1of16', 21000, 84000),
    ('r101-d16_cityscapes-semi-1of2', 11000, 44000),
])
def test_gpu_scale_pipelines_label_at_two_five_and_eight_eighths(
        name, first_label, retrain_iters, monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    steps = plan_pipeline(f'configs/semi_supervised/stpp/stpp-pipeline_{name}.py')
    labels = [s for s in steps if s.stage.startswith('label_')]
    assert [int(s.stage[6:]) for s in labels] == [
        first_label, first_label * 5 // 2, first_label * 4]
    assert all(s.checkpoint.startswith(f'work_dirs/stpp_{name}/sup/')
               for s in labels)
    retrain = next(s for s in steps if s.stage == 'retrain1')
    assert retrain.output.endswith(f'retrain1/iter_{retrain_iters}.pth')
    relabel = next(s for s in steps if s.stage == 'relabel')
    assert relabel.checkpoint == retrain.output


def test_split_stages_need_eighths_of_the_schedule():
    from mmlabeleff.apis.stpp import stpp_split_stages
    with pytest.raises(ValueError, match='multiple of 8'):
        stpp_split_stages(str(SUP), str(FINAL.parent / '{}.py'), root='w',
                          max_iters=1001, data_root='d', split='1_8',
                          num_classes=11)


def test_split_stages_options(monkeypatch):
    from mmlabeleff.apis.stpp import stpp_split_stages
    monkeypatch.chdir(REPO_ROOT)
    name = ('configs/semi_supervised/stpp/'
            '{}_r101-d16_4xb2-105k_voc12aug-semi-92-321x321.py')
    stages = {s['name']: s for s in stpp_split_stages(
        'configs/semi_supervised/supervised/'
        'supervised_r101-d16_4xb2-98k_voc12aug-semi-732-321x321.py', name,
        root='w/s', max_iters=98000, data_root='d', split='732',
        num_classes=21)}
    assert stages['sup']['work_dir'] == 'w/s/sup'
    assert stages['sup']['cfg_options'] == {
        'default_hooks.checkpoint.interval': 12250,
        'default_hooks.checkpoint.max_keep_ckpts': -1}
    assert stages['final']['cfg_options']['param_scheduler.0.end'] == 98000
    assert stages['retrain1']['config'] == name.format('stpp-r1')
    assert stages['select']['select']['split'] == 'd/splits/732/unlabeled.txt'
