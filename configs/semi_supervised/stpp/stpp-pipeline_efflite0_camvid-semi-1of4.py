# ST++ on CamVid 1/4, every step in one command:
#   python tools/pseudo_label/run_pipeline.py \
#       configs/semi_supervised/stpp/stpp-pipeline_efflite0_camvid-semi-1of4.py
# 1. the supervised-only recipe on the 92 labelled images (checkpoints every
#    500 iterations, all kept); 2. its four checkpoints label the unlabelled
#    images; 3. the images whose earlier predictions agree best with the
#    final one (mean IoU, ST++'s stability) are the reliable half; 4. retrain
#    on labelled + reliable; 5. the retrained model relabels the unreliable
#    half; 6. retrain on all of them (ST++'s result). Re-running resumes at
#    the first missing output.
folder = 'configs/semi_supervised/'
sup_config = (folder + 'supervised/'
              'supervised-mfb_efflite0_1xb8-2k_camvid-semi-1of4-176x176.py')
label_config = folder + 'stpp/stpp-label_efflite0_1xb8-2k_camvid-semi-1of4-176x176.py'
sup_dir = 'work_dirs/supervised-mfb_efflite0_1xb8-2k_camvid-semi-1of4-176x176'
stpp_root = 'work_dirs/stpp_efflite0_camvid-semi-1of4'
checkpoints = (500, 1000, 1500, 2000)
stages = [
    dict(name='sup', config=sup_config, steps=('train', )),
    *[
        dict(name=f'label_{it}', config=label_config, steps=('test', ),
             checkpoint=f'{sup_dir}/iter_{it}.pth',
             cfg_options={'test_cfg.dump_dir': f'{stpp_root}/label_{it}'})
        for it in checkpoints
    ],
    dict(name='select', steps=('select', ),
         select=dict(dumps=[f'{stpp_root}/label_{it}/pred'
                            for it in checkpoints],
                     split='data/camvid_semi/1_4/unlabeled.txt',
                     out_dir=f'{stpp_root}/select', num_classes=11,
                     ratio=0.5)),
    dict(name='retrain1', config=folder +
         'stpp/stpp-r1_efflite0_1xb8-2k_camvid-semi-1of4-176x176.py',
         steps=('train', )),
    dict(name='relabel', config=label_config, steps=('test', ),
         checkpoint=f'{stpp_root}/retrain1/iter_2000.pth',
         cfg_options={
             'test_cfg.dump_dir': f'{stpp_root}/label_r1',
             'test_dataloader.dataset.ann_file':
             f'../../{stpp_root}/select/unreliable.txt'
         }),
    dict(name='final', config=folder +
         'stpp/stpp_efflite0_1xb8-2k_camvid-semi-1of4-176x176.py',
         steps=('train', )),
]
