# Baseline row "partial CE" on MSRC-21 image tags: the SPML tags recipe's
# network, data and schedule with every relationship off and the classifier
# trained end to end by cross-entropy on the CAM pseudo labels only (no
# k-means, no segments). The plain step that
#   python tools/analysis_tools/benchmark_spml.py --tags
# times the SPML tags step against (its batch carries CAM pseudo labels and
# tags, for which the semantic terms compare every pixel with every segment).
_base_ = ['./spml_efflite0_1xb8-2k_msrc21-tags-176x176.py']
no_term = dict(weight=0.0)
model = dict(
    decode_head=dict(
        detach_classifier=False,
        relations=dict(all=dict(img_sim=no_term, sem_ann=no_term,
                                sem_occ=no_term, feat_aff=no_term))))
