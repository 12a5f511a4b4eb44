# Baseline row "partial CE": the same EfficientNet-Lite0 (stride 16), head
# architecture (the embedding and its classifier), data, scribbles (dilated
# 3 px) and schedule as the SPML scribbles recipe, with every relationship
# off and the classifier trained end to end by cross-entropy on the
# labelled pixels only (no k-means, no segments). It is the "plain
# cross-entropy step of the same backbone" that
# tools/analysis_tools/benchmark_spml.py times SPML's step against, and the
# label-only row of the results table.
_base_ = ['./spml_efflite0_1xb8-2k_camvid-scribbles-176x176.py']
no_term = dict(weight=0.0)
model = dict(
    decode_head=dict(
        detach_classifier=False,
        relations=dict(all=dict(img_sim=no_term, sem_ann=no_term,
                                sem_occ=no_term, feat_aff=no_term))))
