# Algorithm 1's pseudo labels for the CamVid points recipe's training
# images (see the scribbles file): the walk's class mask is the classes of
# the image's points.
#   python tools/test.py \
#       configs/spml/spml-rw-crf_efflite0_1xb8-2k_camvid-points-176x176.py \
#       work_dirs/spml_efflite0_1xb8-2k_camvid-points-176x176/iter_2000.pth
_base_ = ['./spml-rw-crf_efflite0_1xb8-2k_camvid-scribbles-176x176.py']
stage1_work_dir = 'work_dirs/spml_efflite0_1xb8-2k_camvid-points-176x176'
work_dir = stage1_work_dir
test_dataloader = dict(
    dataset=dict(supervision='points', weak_label='points_n1'))
test_cfg = dict(dump_dir=f'{stage1_work_dir}/pseudo')
