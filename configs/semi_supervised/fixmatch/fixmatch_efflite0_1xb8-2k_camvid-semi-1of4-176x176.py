# FixMatch on CamVid with 1/4 of the train images labelled (92 of 367);
# everything else as the 1/8 recipe.
_base_ = ['./fixmatch_efflite0_1xb8-2k_camvid-semi-1of8-176x176.py']  # 1/8
split = '1_4'
labeled_dataset = _base_.labeled_dataset
labeled_dataset.ann_file = f'../camvid_semi/{split}/labeled.txt'
unlabeled_dataset = _base_.unlabeled_dataset
unlabeled_dataset.ann_file = f'../camvid_semi/{split}/unlabeled.txt'
train_dataloader = dict(
    dataset=dict(datasets=[labeled_dataset, unlabeled_dataset]))
