"""SPML's embedding head: pixel-to-segment contrastive learning for any label.

Ke, Hwang and Yu, "Universal Weakly Supervised Segmentation by
Pixel-to-Segment Contrastive Learning" (SPML), ICLR 2021. Constants and
details the paper's text lost come from the public code
(github.com/twke18/SPML, MIT licence; ``spml/models/embeddings/
resnet_deeplab.py``, ``spml/models/predictions/segsort_softmax.py``,
``spml/models/heads/spp.py``, ``pyscripts/train/train.py``) and are listed
in ``../shared/docs/method_notes_spml_blpseg.md`` (A.2-A.7). The code here
is written for mmlabeleff.
"""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.losses import accuracy
from mmseg.models.utils import resize
from torch import Tensor

from mmlabeleff.models.losses.segsort_loss import MAX_CONCENTRATION, segsort_loss
from mmlabeleff.models.utils.dist_gather import all_gather_cat
from mmlabeleff.models.utils.segsort import (
    grid_cluster_labels,
    location_features,
    normalize_embedding,
    segment_pixels,
    segment_prototypes,
    spherical_kmeans,
)
from mmlabeleff.models.utils.training_labels import (
    image_class_mask,
    stack_training_labels,
)
from mmlabeleff.registry import MODELS
from mmlabeleff.structures import IGNORE_INDEX, SUPERVISION_TYPES, UNLABELED_INDEX

__all__ = ['SPMLHead', 'SPML_RELATIONS', 'RELATION_TERMS']

#: The four relationships, in the order of the paper's Eq. 4.
RELATION_TERMS = ('img_sim', 'sem_ann', 'sem_occ', 'feat_aff')

#: (weight lambda, concentration kappa) of each relationship per label type:
#: the paper's Table 5 (VOC rows). ``full`` and ``partial`` (dense or
#: partial masks) take the scribble row, the densest weak label;
#: ``unlabeled`` images only have the low-level term (with the tag/box
#: weight), as they carry no class. Feature affinity is off on VOC (the
#: paper uses it for DensePose only; Table 6c's row adds 0.1 on scribbles).
SPML_RELATIONS: Dict[str, Dict[str, Tuple[float, float]]] = dict(
    scribbles=dict(img_sim=(0.1, 16), sem_ann=(1.0, 6), sem_occ=(0.5, 12),
                   feat_aff=(0.0, 12)),
    points=dict(img_sim=(1.0, 16), sem_ann=(1.0, 6), sem_occ=(1.0, 8),
                feat_aff=(0.0, 12)),
    boxes=dict(img_sim=(0.3, 16), sem_ann=(1.0, 6), sem_occ=(1.0, 8),
               feat_aff=(0.0, 12)),
    tags=dict(img_sim=(0.3, 16), sem_ann=(1.0, 6), sem_occ=(1.0, 8),
              feat_aff=(0.0, 12)),
    full=dict(img_sim=(0.1, 16), sem_ann=(1.0, 6), sem_occ=(0.5, 12),
              feat_aff=(0.0, 12)),
    partial=dict(img_sim=(0.1, 16), sem_ann=(1.0, 6), sem_occ=(0.5, 12),
                 feat_aff=(0.0, 12)),
    unlabeled=dict(img_sim=(0.3, 16), sem_ann=(0.0, 6), sem_occ=(0.0, 8),
                   feat_aff=(0.0, 12)),
)


def _merge_relations(overrides: Optional[dict]) -> Dict[str, dict]:
    """The table with ``overrides`` (``{supervision: {term: dict(weight=,
    concentration=)}}``, ``'all'`` for every supervision) applied."""
    table = {sup: {term: dict(weight=float(w), concentration=float(k))
                   for term, (w, k) in terms.items()}
             for sup, terms in SPML_RELATIONS.items()}
    for sup, terms in (overrides or {}).items():
        targets = list(table) if sup == 'all' else [sup]
        if sup != 'all' and sup not in table:
            raise ValueError(f'relations: unknown supervision {sup!r} '
                             f'(one of {sorted(table)} or "all")')
        for term, values in terms.items():
            if term not in RELATION_TERMS:
                raise ValueError(f'relations: unknown term {term!r} (one of '
                                 f'{RELATION_TERMS})')
            unknown = set(values) - {'weight', 'concentration'}
            if unknown:
                raise ValueError(f'relations.{sup}.{term}: unknown keys '
                                 f'{sorted(unknown)} (weight, concentration)')
            for target in targets:
                table[target][term].update(
                    {k: float(v) for k, v in values.items()})
    for sup, terms in table.items():
        for term, values in terms.items():
            if values['weight'] < 0:
                raise ValueError(f'relations.{sup}.{term}: weight must be '
                                 f'>= 0, got {values["weight"]}')
            if not 0 < values['concentration'] <= MAX_CONCENTRATION:
                raise ValueError(
                    f'relations.{sup}.{term}: concentration must be in (0, '
                    f'{MAX_CONCENTRATION}], got {values["concentration"]}')
    return table


@MODELS.register_module()
class SPMLHead(BaseDecodeHead):
    """SPML embedding head with its jointly trained softmax classifier.

    **Embedding** (DeepLab-v2 ASPP of the public code): parallel 3x3 convs
    with ``dilations`` (6/12/18/24 at output stride 8) from the backbone
    feature to ``embedding_dim`` (64) channels, no BN or ReLU, summed, then
    bilinearly upsampled by ``upsample_scale`` (2: stride 4) and
    L2-normalised.

    **Segments** (:mod:`mmlabeleff.models.utils.segsort`): spherical k-means
    of ``[embedding; (y, x)]`` per image from a ``kmeans_num_clusters`` grid
    (6x6) for ``kmeans_iterations`` (10) rounds, over the pixels that are
    not padding (255; unlabeled pixels, 254, take part); the clusters are
    split by label and by the over-segmentation ``gt_superpixel`` (a map
    per image, see ``tools/dataset_converters/superpixels.py``).

    **Loss** (:func:`~mmlabeleff.models.losses.segsort_loss`, SegSort+), one
    term per relationship, each with its weight and concentration per label
    type (:data:`SPML_RELATIONS`, the paper's Table 5; change them with
    ``relations``); each pixel uses the row of its image's
    ``metainfo['supervision']``, so one batch may mix label types:

    - ``loss_img_sim`` (low-level similarity): per image, positives are the
      segments of the pixel's over-segment, negatives the image's other
      segments, on the features with coordinates; averaged per image, then
      over images (public code).
    - ``loss_sem_ann`` (semantic annotation): labelled pixels (class ids of
      scribbles, points, masks, or CAM pseudo labels of tags and boxes)
      against the labelled segments of the global batch and the memory
      bank; same class positive.
    - ``loss_sem_occ`` (semantic co-occurrence): every clustered pixel of an
      image whose classes are known against all such segments; a segment
      is positive when its image shares a class with the pixel's image
      (tags: ``gt_image_labels``, else the classes of the label map);
      ``sem_occ_ignore_classes`` (PASCAL's background) do not count.
    - ``loss_feat_aff`` (feature affinity; off by default): each unlabeled
      pixel takes the class of its nearest labelled segment of the same
      image when their cosine is at least ``feat_aff_threshold`` (0.95,
      public code), and is contrasted as in ``sem_ann``.
    - ``loss_ce``: the softmax classifier (3x3 conv to ``channels`` = 2D,
      BN, ReLU, dropout 0.75, 1x1 conv), trained on the **detached**
      embedding with cross-entropy on the labelled pixels (public code);
      it gives the head's prediction (Algorithm 1's initial classifier).

    Segments of the global batch are gathered from every rank
    (:func:`~mmlabeleff.models.utils.dist_gather.all_gather_cat`); those of
    the previous ``memory_bank_size`` (2) batches are kept, detached, as
    extra segments of ``sem_ann`` and ``sem_occ``.

    Deviations from the public code (each a choice, see
    ``configs/spml/README.md``): the lambda of semantic annotation is 1 and
    the other weights are the paper's (the code scales the whole loss for
    tags, boxes and points by the same ratios); unlabeled pixels (254) are
    clustered (the paper's claim) while the public code drops pixels with
    the ignore value; the classifier's cross-entropy is its own loss term
    (the code adds it into the semantic-annotation term before that term's
    weight, 1 on scribbles, so the sums agree there); images of unknown
    classes (``'unlabeled'``) are left out of ``sem_occ``.

    Args:
        embedding_dim (int): D. Defaults to 64.
        dilations (Sequence[int]): ASPP dilations. Defaults to
            ``(6, 12, 18, 24)``.
        upsample_scale (int): Embedding upsampling after the ASPP. Defaults
            to 2.
        kmeans_num_clusters (Sequence[int]): Grid ``(ny, nx)``. Defaults to
            ``(6, 6)``.
        kmeans_iterations (int): Defaults to 10.
        memory_bank_size (int): Previous batches kept. Defaults to 2.
        relations (dict, optional): Overrides of :data:`SPML_RELATIONS`,
            ``{supervision or 'all': {term: dict(weight=, concentration=)}}``.
        default_supervision (str): Supervision of samples whose metainfo
            has none. Defaults to ``'scribbles'``.
        sem_occ_ignore_classes (Sequence[int]): Classes left out of the
            co-occurrence tags. Defaults to ``()``.
        feat_aff_threshold (float): Cosine needed to adopt the nearest
            labelled segment's class. Defaults to 0.95.
        max_anchors (int, optional): Anchor pixels of each semantic term
            (``sem_ann``, ``sem_occ``, ``feat_aff``) per step: when a term
            has more, this many are drawn uniformly without replacement
            (torch's seeded generator) and the term is their mean, an
            unbiased estimate of the mean over all of them. A CPU setting
            and a deviation (the public code uses every pixel): the cost of
            these terms grows with pixels x segments, which makes an SPML
            step on image tags about 3.4x a cross-entropy step; see
            ``tools/analysis_tools/benchmark_spml.py``. Defaults to None
            (every pixel, the public code).
        detach_classifier (bool): Train the classifier on the detached
            embedding (public code). False with every relation's weight 0
            gives a plain cross-entropy segmenter of the same architecture
            (no k-means), the baseline of the step benchmark. Defaults to
            True.
        channels (int): Classifier width. Defaults to ``2 * embedding_dim``.
        dropout_ratio (float): Classifier dropout. Defaults to 0.75.
        loss_decode (dict): The classifier's loss. Defaults to
            ``PartialCrossEntropyLoss`` named ``loss_ce``.
        init_cfg (dict, optional): Defaults to None (PyTorch's default
            initialisation, as the public code).
        **kwargs: Those of mmseg's ``BaseDecodeHead`` (``in_channels``,
            ``in_index``, ``num_classes``, ``norm_cfg``, ...).
    """

    def __init__(self,
                 embedding_dim: int = 64,
                 dilations: Sequence[int] = (6, 12, 18, 24),
                 upsample_scale: int = 2,
                 kmeans_num_clusters: Sequence[int] = (6, 6),
                 kmeans_iterations: int = 10,
                 memory_bank_size: int = 2,
                 relations: Optional[dict] = None,
                 default_supervision: str = 'scribbles',
                 sem_occ_ignore_classes: Sequence[int] = (),
                 feat_aff_threshold: float = 0.95,
                 max_anchors: Optional[int] = None,
                 detach_classifier: bool = True,
                 channels: Optional[int] = None,
                 dropout_ratio: float = 0.75,
                 loss_decode: dict = dict(
                     type='mmlabeleff.PartialCrossEntropyLoss',
                     loss_name='loss_ce'),
                 norm_cfg: dict = dict(type='BN', requires_grad=True),
                 init_cfg: Optional[dict] = None,
                 **kwargs) -> None:
        if embedding_dim < 1:
            raise ValueError(f'embedding_dim must be positive, got {embedding_dim}')
        if upsample_scale < 1:
            raise ValueError(f'upsample_scale must be >= 1, got {upsample_scale}')
        if len(dilations) < 1 or any(int(d) < 1 for d in dilations):
            raise ValueError(f'dilations must be positive, got {dilations}')
        if kmeans_iterations < 1:
            raise ValueError(f'kmeans_iterations must be >= 1, got '
                             f'{kmeans_iterations}')
        if len(kmeans_num_clusters) != 2 or min(kmeans_num_clusters) < 1:
            raise ValueError(f'kmeans_num_clusters must be (ny, nx) >= 1, got '
                             f'{kmeans_num_clusters}')
        if memory_bank_size < 0:
            raise ValueError(f'memory_bank_size must be >= 0, got '
                             f'{memory_bank_size}')
        if default_supervision not in SUPERVISION_TYPES:
            raise ValueError(f'default_supervision must be one of '
                             f'{SUPERVISION_TYPES}, got {default_supervision!r}')
        if not -1.0 <= feat_aff_threshold <= 1.0:
            raise ValueError(f'feat_aff_threshold is a cosine in [-1, 1], got '
                             f'{feat_aff_threshold}')
        if max_anchors is not None and (
                isinstance(max_anchors, bool) or not isinstance(max_anchors, int)
                or max_anchors < 1):
            raise ValueError(f'max_anchors must be None or an integer >= 1, '
                             f'got {max_anchors!r}')
        super().__init__(
            channels=channels or 2 * embedding_dim,
            dropout_ratio=dropout_ratio,
            loss_decode=loss_decode,
            norm_cfg=norm_cfg,
            init_cfg=init_cfg,
            **kwargs)
        self.embedding_dim = embedding_dim
        self.upsample_scale = int(upsample_scale)
        self.aspp = nn.ModuleList(
            nn.Conv2d(self.in_channels, embedding_dim, 3, padding=int(d),
                      dilation=int(d)) for d in dilations)
        self.classifier_conv = ConvModule(
            embedding_dim, self.channels, 3, padding=1, bias=False,
            conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg)
        self.kmeans_num_clusters = tuple(int(n) for n in kmeans_num_clusters)
        self.kmeans_iterations = int(kmeans_iterations)
        self.memory_bank_size = int(memory_bank_size)
        self.relations = _merge_relations(relations)
        self.default_supervision = default_supervision
        self.sem_occ_ignore_classes = tuple(int(c) for c in sem_occ_ignore_classes)
        bad = [c for c in self.sem_occ_ignore_classes
               if not 0 <= c < self.num_classes]
        if bad:
            raise ValueError(f'sem_occ_ignore_classes {bad} are not class ids '
                             f'of the {self.num_classes} classes')
        self.feat_aff_threshold = float(feat_aff_threshold)
        self.max_anchors = None if max_anchors is None else int(max_anchors)
        self.detach_classifier = bool(detach_classifier)
        # no relation on for any label type: a plain classifier (no k-means)
        self.contrastive = any(
            values['weight'] > 0 for terms in self.relations.values()
            for values in terms.values())
        self.memory: List[Dict[str, Tensor]] = []

    # ------------------------------------------------------------------ #
    # forward
    # ------------------------------------------------------------------ #
    def embed(self, inputs: Sequence[Tensor]) -> Tensor:
        """``(B, D, h, w)`` unit-length embedding (stride / upsample_scale)."""
        x = self._transform_inputs(inputs)
        out = sum(conv(x) for conv in self.aspp)
        if self.upsample_scale > 1:
            out = F.interpolate(out, scale_factor=self.upsample_scale,
                                mode='bilinear', align_corners=False)
        return normalize_embedding(out.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)

    def classify(self, embedding: Tensor) -> Tensor:
        """Class logits of the softmax classifier on an embedding."""
        return self.cls_seg(self.classifier_conv(embedding))

    def forward(self, inputs: Sequence[Tensor]) -> Tensor:
        """Class logits at the embedding's resolution (the prediction)."""
        return self.classify(self.embed(inputs))

    # ------------------------------------------------------------------ #
    # training
    # ------------------------------------------------------------------ #
    def loss(self, inputs: Sequence[Tensor], batch_data_samples: List,
             train_cfg: dict) -> Dict[str, Tensor]:
        """Embedding, segments and every loss term of a batch."""
        embedding = self.embed(inputs)
        logits = self.classify(
            embedding.detach() if self.detach_classifier else embedding)
        return self.loss_by_feat((embedding, logits), batch_data_samples)

    def _supervision_of(self, batch_data_samples: List) -> List[str]:
        kinds = []
        for sample in batch_data_samples:
            kind = sample.metainfo.get('supervision', self.default_supervision)
            if kind not in self.relations:
                raise ValueError(
                    f'{sample.metainfo.get("img_path")}: supervision '
                    f'{kind!r} is not one of {sorted(self.relations)}')
            kinds.append(kind)
        return kinds

    def _relation_table(self, kinds: List[str], term: str,
                        device) -> Tuple[Tensor, Tensor]:
        """(B,) weight and concentration of ``term`` for each image."""
        weights = torch.tensor([self.relations[k][term]['weight'] for k in kinds],
                               device=device)
        kappas = torch.tensor(
            [self.relations[k][term]['concentration'] for k in kinds],
            device=device)
        return weights, kappas

    @staticmethod
    def _superpixels(batch_data_samples: List, shape: Tuple[int, int],
                     device) -> Tensor:
        maps = []
        for sample in batch_data_samples:
            if 'gt_superpixel' not in sample:
                raise ValueError(
                    f'{sample.metainfo.get("img_path")}: SPMLHead needs the '
                    'over-segmentation gt_superpixel for the low-level term '
                    '(LoadWeakAnnotations(superpixel=True) and a dataset '
                    'superpixel_root; or set its weight to 0)')
            maps.append(sample.gt_superpixel.data.to(device))
        shapes = {tuple(m.shape[-2:]) for m in maps}
        if shapes != {tuple(shape)}:
            raise ValueError(f'gt_superpixel maps of size {sorted(shapes)} do '
                             f'not match the labels {tuple(shape)}')
        return torch.stack(maps).reshape(len(maps), *shape).long()

    def loss_by_feat(self, seg_logits: Tuple[Tensor, Tensor],
                     batch_data_samples: List) -> Dict[str, Tensor]:
        """All loss terms (see the class docstring).

        Args:
            seg_logits (tuple[Tensor, Tensor]): The embedding ``(B, D, h,
                w)`` and the classifier logits ``(B, K, h, w)``.
            batch_data_samples (list[SegDataSample]): The batch, with
                ``gt_sparse_seg`` or ``gt_sem_seg`` and, for the low-level
                term, ``gt_superpixel``.

        Returns:
            dict[str, Tensor]: ``loss_ce``, ``acc_seg`` and one
            ``loss_<term>`` per relationship whose weight is not 0 for every
            label type.
        """
        embedding, logits = seg_logits
        device = embedding.device
        labels = stack_training_labels(batch_data_samples,
                                       fill_missing=True).to(device)
        kinds = self._supervision_of(batch_data_samples)
        losses = {}

        # the classifier, on the detached embedding
        up = resize(logits, size=labels.shape[-2:], mode='bilinear',
                    align_corners=self.align_corners)
        ce = self.loss_decode(up, labels, ignore_index=IGNORE_INDEX)
        target = labels.masked_fill(labels == UNLABELED_INDEX, IGNORE_INDEX)
        losses['acc_seg'] = accuracy(up, target, ignore_index=IGNORE_INDEX)
        if not self.contrastive:
            losses['loss_ce'] = ce
            return losses

        batch, _, height, width = embedding.shape
        small = F.interpolate(labels[:, None].float(), size=(height, width),
                              mode='nearest')[:, 0].long()
        active = {term: any(self.relations[k][term]['weight'] > 0 for k in kinds)
                  for term in RELATION_TERMS}
        if active['img_sim']:
            superpixels = self._superpixels(batch_data_samples,
                                            tuple(labels.shape[-2:]), device)
            superpixels = F.interpolate(superpixels[:, None].float(),
                                        size=(height, width),
                                        mode='nearest')[:, 0].long()
        else:
            superpixels = torch.zeros_like(small)

        # segments: spherical k-means of [e; (y, x)], split by label and
        # over-segment
        pixels = embedding.permute(0, 2, 3, 1).reshape(batch, -1, self.embedding_dim)
        loc = location_features(height, width, device, pixels.dtype)
        with_loc = normalize_embedding(
            torch.cat([pixels, loc.expand(batch, -1, -1)], dim=-1))
        valid = (small != IGNORE_INDEX).reshape(batch, -1)
        init, num_clusters = grid_cluster_labels(self.kmeans_num_clusters,
                                                 height, width, device)
        clusters = spherical_kmeans(with_loc.detach(), valid, init,
                                    num_clusters, self.kmeans_iterations)
        segs = segment_pixels(clusters, small.reshape(batch, -1),
                              superpixels.reshape(batch, -1), valid)
        index = segs['pixel_index']
        image = torch.div(index, height * width, rounding_mode='floor')
        emb = pixels.reshape(-1, self.embedding_dim)[index]
        emb_loc = with_loc.reshape(-1, with_loc.shape[-1])[index]
        pix_label = small.reshape(-1)[index]
        num_segments = int(segs['batch'].numel())
        prototypes = segment_prototypes(emb, segs['segment'], num_segments)

        # image-level facts
        tags = image_class_mask(labels, batch_data_samples, self.num_classes)
        if self.sem_occ_ignore_classes:
            tags[:, list(self.sem_occ_ignore_classes)] = 0
        known = torch.tensor([k != 'unlabeled' for k in kinds], device=device)

        # the global batch: every rank's segments (differentiable)
        seg_image = segs['batch']
        all_protos, offset = all_gather_cat(prototypes)
        all_labels, _ = all_gather_cat(segs['label'])
        all_tags, _ = all_gather_cat(tags[seg_image])
        all_known, _ = all_gather_cat(known[seg_image].long())
        all_known = all_known.bool()
        own = segs['segment'] + offset
        bank = dict(prototypes=all_protos.detach(), labels=all_labels,
                    tags=all_tags, known=all_known)
        mem = self.memory if self.training else []
        cat = lambda key, cur: torch.cat([cur] + [m[key] for m in mem])  # noqa: E731
        protos_ext = cat('prototypes', all_protos)
        labels_ext = cat('labels', all_labels)
        tags_ext = cat('tags', all_tags)
        known_ext = cat('known', all_known)
        # every rank's loss reaches the gathered prototypes, so that the
        # gather's backward (a collective) runs on all ranks
        anchor = all_protos.sum() * 0
        losses['loss_ce'] = ce + anchor

        if active['sem_ann'] or active['feat_aff']:
            lab_protos = (labels_ext < self.num_classes).nonzero().squeeze(1)
            remap = torch.full((protos_ext.shape[0], ), -1, dtype=torch.long,
                               device=device)
            remap[lab_protos] = torch.arange(lab_protos.numel(), device=device)
        if active['sem_ann']:
            weights, kappas = self._relation_table(kinds, 'sem_ann', device)
            sel = self._sample_anchors(
                (pix_label < self.num_classes).nonzero().squeeze(1))
            losses['loss_sem_ann'] = segsort_loss(
                emb[sel], pix_label[sel], remap[own[sel]],
                protos_ext[lab_protos], labels_ext[lab_protos],
                kappas[image[sel]], weight=weights[image[sel]])
        if active['sem_occ']:
            weights, kappas = self._relation_table(kinds, 'sem_occ', device)
            sel = self._sample_anchors(known[image].nonzero().squeeze(1))
            occ = known_ext.nonzero().squeeze(1)
            occ_remap = torch.full((protos_ext.shape[0], ), -1,
                                   dtype=torch.long, device=device)
            occ_remap[occ] = torch.arange(occ.numel(), device=device)
            losses['loss_sem_occ'] = segsort_loss(
                emb[sel], tags[image[sel]], occ_remap[own[sel]],
                protos_ext[occ], tags_ext[occ], kappas[image[sel]],
                weight=weights[image[sel]])
        if active['img_sim']:
            losses['loss_img_sim'] = self._img_sim_loss(
                kinds, emb_loc, segs, image, device)
        if active['feat_aff']:
            losses['loss_feat_aff'] = self._feat_aff_loss(
                kinds, emb, pix_label, image, segs, prototypes, protos_ext,
                labels_ext, lab_protos, device)

        if self.training and self.memory_bank_size > 0:
            self.memory = ([bank] + self.memory)[:self.memory_bank_size]
        return losses

    def _sample_anchors(self, index: Tensor) -> Tensor:
        """``index`` itself, or ``max_anchors`` of its entries drawn
        uniformly without replacement (in their original order)."""
        if self.max_anchors is None or index.numel() <= self.max_anchors:
            return index
        pick = torch.randperm(index.numel(), device=index.device)
        return index[pick[:self.max_anchors].sort().values]

    def _img_sim_loss(self, kinds: List[str], emb_loc: Tensor, segs: dict,
                      image: Tensor, device) -> Tensor:
        """Per-image low-level term on features with coordinates."""
        weights, kappas = self._relation_table(kinds, 'img_sim', device)
        terms = []
        for b in torch.unique(image).tolist():
            sel = (image == b).nonzero().squeeze(1)
            seg_ids, local = torch.unique(segs['segment'][sel],
                                          return_inverse=True)
            protos = segment_prototypes(emb_loc[sel], local, seg_ids.numel())
            terms.append(weights[b] * segsort_loss(
                emb_loc[sel], segs['superpixel'][segs['segment'][sel]], local,
                protos, segs['superpixel'][seg_ids], kappas[b]))
        if not terms:
            return emb_loc.sum() * 0
        return sum(terms) / len(terms)

    def _feat_aff_loss(self, kinds: List[str], emb: Tensor, pix_label: Tensor,
                       image: Tensor, segs: dict, prototypes: Tensor,
                       protos_ext: Tensor, labels_ext: Tensor,
                       lab_protos: Tensor, device) -> Tensor:
        """Unlabeled pixels adopt their nearest labelled segment's class."""
        weights, kappas = self._relation_table(kinds, 'feat_aff', device)
        sel = (pix_label == UNLABELED_INDEX).nonzero().squeeze(1)
        local_lab = (segs['label'] < self.num_classes).nonzero().squeeze(1)
        if sel.numel() == 0 or local_lab.numel() == 0:
            return emb.sum() * 0
        with torch.no_grad():
            cos = emb[sel].detach() @ prototypes[local_lab].detach().t()
            same_image = image[sel].view(-1, 1) == segs['batch'][local_lab].view(1, -1)
            cos = cos.masked_fill(~same_image, -2.0)
            best, nearest = cos.max(1)
            adopted = best >= self.feat_aff_threshold
        sel, nearest = sel[adopted], nearest[adopted]
        keep = self._sample_anchors(torch.arange(sel.numel(), device=device))
        sel, nearest = sel[keep], nearest[keep]
        new_labels = segs['label'][local_lab][nearest]
        own = torch.full_like(sel, -1)
        return segsort_loss(emb[sel], new_labels, own, protos_ext[lab_protos],
                            labels_ext[lab_protos], kappas[image[sel]],
                            weight=weights[image[sel]])

    def clear_memory(self) -> None:
        """Forget the memory bank (e.g. before a new training)."""
        self.memory = []
