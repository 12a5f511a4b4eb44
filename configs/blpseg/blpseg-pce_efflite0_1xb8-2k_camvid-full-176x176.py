# Full supervision with the architecture of the BLPSeg rows: the same UperNet
# decoder (width 64) and segmentation branch on EfficientNet-Lite0, trained
# with plain (unweighted) cross-entropy on the full masks, as the partial-CE
# row is on scribbles; the same pipeline and schedule. The "% of full"
# column of README.md divides by this row (and by the DeepLabV3+ reference).
_base_ = ['./blpseg_efflite0_1xb8-2k_camvid-scribbles-176x176.py']
train_dataloader = dict(dataset=dict(supervision='full', weak_label=None))
model = dict(
    decode_head=dict(
        scribble_head=False,
        lam=None,
        loss_decode=dict(
            _delete_=True, type='PartialCrossEntropyLoss', loss_name='loss_ce')))
custom_hooks = []
