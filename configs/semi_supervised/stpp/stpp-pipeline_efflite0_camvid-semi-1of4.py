# ST++ on CamVid 1/4, every step in one command:
#   python tools/pseudo_label/run_pipeline.py \
#       configs/semi_supervised/stpp/stpp-pipeline_efflite0_camvid-semi-1of4.py
# 1. the supervised-only recipe on the 92 labelled images (checkpoints every
#    500 iterations, all kept); 2. its four checkpoints label the unlabelled
#    images; 3. the images whose earlier predictions agree best with the
#    final one (mean IoU, ST++'s stability) are the reliable half; 4. retrain
#    on labelled + reliable; 5. the retrained model relabels the unreliable
#    half; 6. retrain on all of them (ST++'s result). Re-running resumes at
#    the first missing output. The stages: mmlabeleff.apis.stpp.stpp_stages.
from mmlabeleff.apis.stpp import stpp_stages

split = '1_4'  # 92 labelled images
folder = 'configs/semi_supervised/'
stpp = folder + 'stpp/'
stages = stpp_stages(
    sup_config=folder + 'supervised/'
    'supervised-mfb_efflite0_1xb8-2k_camvid-semi-1of4-176x176.py',
    label_config=stpp + 'stpp-label_efflite0_1xb8-2k_camvid-semi-1of4-176x176.py',
    retrain1_config=stpp + 'stpp-r1_efflite0_1xb8-2k_camvid-semi-1of4-176x176.py',
    final_config=stpp + 'stpp_efflite0_1xb8-2k_camvid-semi-1of4-176x176.py',
    root='work_dirs/stpp_efflite0_camvid-semi-1of4',
    checkpoints=(500, 1000, 1500, 2000),
    labeled_split=f'data/camvid_semi/{split}/labeled.txt',
    unlabeled_split=f'data/camvid_semi/{split}/unlabeled.txt',
    num_classes=11)
