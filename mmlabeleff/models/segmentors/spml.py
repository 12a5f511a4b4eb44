"""SPML's segmentor: the trained classifier, or Algorithm 1's pseudo labels."""
from typing import List, Optional

import torch
import torch.nn.functional as F
from mmseg.models.utils import resize
from torch import Tensor

from mmlabeleff.models.utils.segsort import (
    cluster_image,
    majority_labels,
    normalize_embedding,
    retrieval_votes,
)
from mmlabeleff.ops import affinity_from_features, random_walk
from mmlabeleff.registry import MODELS
from .refined_encoder_decoder import RefinedEncoderDecoder

__all__ = ['SPML']

WALK_MODES = ('local', 'dense')
WALK_SEEDS = ('classifier', 'cam')
RETRIEVAL_DEFAULTS = dict(k=20, num_clusters=(12, 12), iterations=10,
                          scales=(0.5, 1.0, 1.5, 2.0), flip=True, min_max=0.15,
                          cluster_at='input')
CLUSTER_AT = ('input', 'embedding')


@MODELS.register_module()
class SPML(RefinedEncoderDecoder):
    """SPML (Ke, Hwang and Yu, ICLR 2021) as an mmseg segmentor.

    Trains like ``EncoderDecoder`` with an
    :class:`~mmlabeleff.models.decode_heads.SPMLHead`. Predicts with the
    head's softmax classifier, or, with ``test_cfg.random_walk``, refines it
    into the pseudo labels of the paper's Algorithm 1 (steps 2-3; constants
    of the public code's ``pyscripts/inference/pseudo_softmaxrw_crf.py``,
    github.com/twke18/SPML, MIT licence):

    1. embedding and class probabilities of the image and of its flip (flip
       undone), at the input size, then bilinearly at ``1 / stride`` (8);
    2. probabilities averaged over the views, divided by each class's
       maximum and zeroed for classes the image is known not to contain
       (``gt_image_labels``, else the classes of ``gt_sparse_seg``; no mask
       when the sample has neither, e.g. on val);
    3. affinities ``exp(scale (cos - 1))`` (scale 5) of the unit
       embeddings, averaged over the views, raised to ``beta`` (20); the
       walk runs ``2 ** log_t`` (64) steps: ``mode='local'`` with
       :func:`~mmlabeleff.ops.random_walk` over the neighbours within
       ``radius`` (O(pixels x K)), ``mode='dense'`` with the public code's
       all-pairs transition matrix squared ``log_t`` times (O(pixels^3),
       small maps only);
    4. the walked scores bilinearly back to the input size; with
       ``test_cfg.refiner`` (e.g. ``DenseCRFRefiner`` preset ``'spml'``) a
       dense CRF on them.

    ``pred_sem_seg`` is the final labelling; with a refiner the walk alone
    is also returned as ``rw_sem_seg`` (both for a
    :class:`~mmlabeleff.engine.runner.DumpTestLoop`).

    With ``random_walk.seed='cam'`` the walk starts from the image's CAMs
    instead of the classifier (the first step of the paper's Algorithm 2
    for image tags, the public ``pyscripts/inference/pseudo_camrw_crf.py``):
    each sample carries the CAM stage's maps (``LoadCAMDump(with_cams=True)``
    in the test pipeline: ``cams`` and ``cam_labels``), which are resized
    to the image, placed in their classes' channels, and, with
    ``background_index``, given the background score
    ``(1 - max_c CAM_c) ** cam_alpha`` (alpha 6); they are not
    renormalised. Without a background class the walk runs over the class
    CAMs alone (a choice: the public code has a background class).

    With ``test_cfg.retrieval`` it labels images by nearest-neighbour
    retrieval instead (the paper's Algorithm 2 for image tags; public
    ``pyscripts/inference/pseudo_inference_crf_msc.py`` and
    ``spml/models/predictions/segsort.py``). A memory bank of segment
    prototypes of labelled training images must be set first
    (:meth:`set_memory_bank`, done by
    :class:`~mmlabeleff.engine.hooks.MemoryBankHook` from
    :meth:`memory_prototypes`). For each scale (0.5, 1, 1.5, 2) and its
    flip the image's embedding is clustered from a 12 x 12 grid
    (:func:`~mmlabeleff.models.utils.segsort.cluster_image`), each cluster
    takes the labels of its ``k`` (20) most similar memory prototypes as
    votes, and the per-pixel vote fractions are resized to the image and
    averaged; each class known to be in the image (its tags) is divided by
    its maximum over the image, floored at ``min_max`` (0.15), the other
    classes are left as they are; the refiner (dense CRF) then gives the
    labels. ``pred_sem_seg`` is the final labelling, ``nn_sem_seg`` the
    retrieval alone.

    Args:
        **kwargs: Those of :class:`RefinedEncoderDecoder`; ``test_cfg`` may
            hold ``random_walk=dict(mode='local', radius=4.9, beta=20,
            log_t=6, scale=5.0, stride=8, flip=True, seed='classifier',
            cam_alpha=6.0, background_index=None)`` or
            ``retrieval=dict(k=20, num_clusters=(12, 12), iterations=10,
            scales=(0.5, 1.0, 1.5, 2.0), flip=True, min_max=0.15,
            cluster_at='input')`` (not both). ``cluster_at='embedding'``
            clusters the head's map (stride 4) instead of its upsampling to
            the scaled image: 16 times fewer pixels for k-means, the CPU
            setting of the MSRC-21 configs.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        walk = (self.test_cfg or {}).get('random_walk', None)
        self.walk_cfg = None
        if walk is not None:
            walk = dict(dict(mode='local', radius=4.9, beta=20.0, log_t=6,
                             scale=5.0, stride=8, flip=True, seed='classifier',
                             cam_alpha=6.0, background_index=None), **walk)
            unknown = set(walk) - {'mode', 'radius', 'beta', 'log_t', 'scale',
                                   'stride', 'flip', 'seed', 'cam_alpha',
                                   'background_index'}
            if unknown:
                raise ValueError(f'test_cfg.random_walk: unknown keys '
                                 f'{sorted(unknown)}')
            if walk['mode'] not in WALK_MODES:
                raise ValueError(f'test_cfg.random_walk.mode must be one of '
                                 f'{WALK_MODES}, got {walk["mode"]!r}')
            if walk['seed'] not in WALK_SEEDS:
                raise ValueError(f'test_cfg.random_walk.seed must be one of '
                                 f'{WALK_SEEDS}, got {walk["seed"]!r}')
            if not walk['cam_alpha'] > 0:
                raise ValueError('test_cfg.random_walk.cam_alpha must be > 0, '
                                 f'got {walk["cam_alpha"]}')
            if not (walk['beta'] > 0 and walk['scale'] > 0
                    and walk['radius'] > 0 and int(walk['stride']) >= 1
                    and 0 <= int(walk['log_t']) <= 16):
                raise ValueError(f'test_cfg.random_walk: beta, scale and radius '
                                 f'must be > 0, stride >= 1 and log_t in 0..16, '
                                 f'got {walk}')
            self.walk_cfg = walk
        self.retrieval_cfg = self._check_retrieval(
            (self.test_cfg or {}).get('retrieval', None))
        if self.retrieval_cfg is not None and self.walk_cfg is not None:
            raise ValueError('test_cfg: random_walk and retrieval are two '
                             'ways to label; set one')
        self.memory_bank = None

    @staticmethod
    def _check_retrieval(cfg: Optional[dict]) -> Optional[dict]:
        if cfg is None:
            return None
        unknown = set(cfg) - set(RETRIEVAL_DEFAULTS)
        if unknown:
            raise ValueError(f'test_cfg.retrieval: unknown keys {sorted(unknown)}')
        cfg = dict(RETRIEVAL_DEFAULTS, **cfg)
        grid = tuple(int(n) for n in cfg['num_clusters'])
        scales = tuple(float(s) for s in cfg['scales'])
        if cfg['cluster_at'] not in CLUSTER_AT:
            raise ValueError(f'test_cfg.retrieval.cluster_at must be one of '
                             f'{CLUSTER_AT}, got {cfg["cluster_at"]!r}')
        if (int(cfg['k']) < 1 or int(cfg['iterations']) < 1 or len(grid) != 2
                or min(grid) < 1 or not scales or min(scales) <= 0
                or not 0 < float(cfg['min_max']) <= 1):
            raise ValueError('test_cfg.retrieval: k, iterations and the grid '
                             'must be >= 1, scales > 0 and min_max in (0, 1], '
                             f'got {cfg}')
        return dict(cfg, num_clusters=grid, scales=scales, k=int(cfg['k']),
                    iterations=int(cfg['iterations']),
                    min_max=float(cfg['min_max']), flip=bool(cfg['flip']))

    # ------------------------------------------------------------------ #
    def _views(self, inputs: Tensor):
        """(embedding, logits) at the input size for the image and its flip."""
        views = [False, True] if self.walk_cfg['flip'] else [False]
        out = []
        for flip in views:
            x = inputs.flip(-1) if flip else inputs
            feats = self.extract_feat(x)
            emb = self.decode_head.embed(feats)
            logits = self.decode_head.classify(emb)
            emb = resize(emb, size=inputs.shape[2:], mode='bilinear',
                         align_corners=False)
            logits = resize(logits, size=inputs.shape[2:], mode='bilinear',
                            align_corners=False)
            if flip:
                emb, logits = emb.flip(-1), logits.flip(-1)
            out.append((emb, logits))
        return out

    def _walk_one(self, cams: Tensor, embs: List[Tensor]) -> Tensor:
        """Walk ``(1, C, h, w)`` scores over the views' embeddings."""
        cfg = self.walk_cfg
        if cfg['mode'] == 'local':
            aff = torch.stack([
                affinity_from_features(e, cfg['radius'], mode='cosine',
                                       scale=cfg['scale']) for e in embs
            ]).mean(0)
            return random_walk(cams, aff, cfg['radius'], beta=cfg['beta'],
                               log_t=int(cfg['log_t']))
        _, channels, height, width = cams.shape
        affs = []
        for e in embs:
            flat = normalize_embedding(e[0].flatten(1).t())  # (hw, D)
            affs.append(torch.exp(cfg['scale'] * (flat @ flat.t()) - cfg['scale']))
        trans = torch.stack(affs).mean(0) ** cfg['beta']
        trans = trans / trans.sum(0, keepdim=True)
        for _ in range(int(cfg['log_t'])):
            trans = trans @ trans
        walked = cams.reshape(channels, -1) @ trans
        return walked.view(1, channels, height, width)

    def cam_seeds(self, sample, size) -> Tensor:
        """``(1, C, h, w)`` walk seeds of one sample's CAMs at ``size``."""
        if 'cams' not in sample or 'cam_labels' not in sample.metainfo:
            raise ValueError(
                f'{sample.metainfo.get("img_path")}: random_walk.seed="cam" '
                'needs the CAMs in the sample (LoadCAMDump(with_cams=True) in '
                'the test pipeline)')
        # the public order: background score at the CAMs' size, then resize
        cams = sample.cams.data.float()
        labels = [int(c) for c in sample.metainfo['cam_labels']]
        num_classes = self.decode_head.num_classes
        if any(not 0 <= c < num_classes for c in labels) or len(labels) != len(cams):
            raise ValueError(
                f'{sample.metainfo.get("img_path")}: CAM labels {labels} for '
                f'{len(cams)} CAMs do not fit the model\'s {num_classes} '
                'classes (a CAM dump of another dataset?)')
        seeds = cams.new_zeros((self.decode_head.num_classes, ) +
                               tuple(cams.shape[1:]))
        if labels:
            seeds[labels] = cams
        bg = self.walk_cfg['background_index']
        if bg is not None:
            top = cams.max(0)[0] if labels else seeds[0] * 0
            seeds[bg] = (1 - top.clamp(0, 1)).pow(self.walk_cfg['cam_alpha'])
        return resize(seeds[None], size=size, mode='bilinear',
                      align_corners=False)

    def walk(self, inputs: Tensor, batch_img_metas: List[dict],
             cam_samples: Optional[list] = None) -> Tensor:
        """Algorithm 1's refined scores, as log-scores at the input size.

        Args:
            inputs (Tensor): (N, 3, H, W) preprocessed inputs.
            batch_img_metas (list[dict]): Meta of each image (padding and
                the optional ``walk_tags``).
            cam_samples (list[SegDataSample], optional): The samples whose
                CAMs (:meth:`cam_seeds`) are walked instead of the
                classifier's scores.

        Returns:
            Tensor: (N, C, H, W): ``log`` of the walked scores inside each
            image, the classifier's log-softmax in the padding.
        """
        views = self._views(inputs)
        _, _, height, width = inputs.shape
        out = torch.log_softmax(views[0][1].float(), dim=1)
        stride = int(self.walk_cfg['stride'])
        for i, meta in enumerate(batch_img_metas):
            rows, cols = self.image_region(meta, height, width)
            img_h, img_w = rows.stop - rows.start, cols.stop - cols.start
            small = (max(img_h // stride, 1), max(img_w // stride, 1))
            probs, embs = [], []
            for emb, logits in views:
                emb_i = resize(emb[i:i + 1, :, rows, cols], size=small,
                               mode='bilinear', align_corners=False)
                embs.append(normalize_embedding(
                    emb_i.permute(0, 2, 3, 1)).permute(0, 3, 1, 2))
                logit_i = resize(logits[i:i + 1, :, rows, cols], size=small,
                                 mode='bilinear', align_corners=False)
                probs.append(F.softmax(logit_i.float(), dim=1))
            prob = torch.stack(probs).mean(0)
            cams = prob / prob.flatten(2).max(-1)[0].clamp(min=1e-12)[..., None, None]
            if cam_samples is not None:
                cams = self.cam_seeds(cam_samples[i], small).to(cams)
            tags = meta.get('walk_tags', None)
            if tags is not None:
                keep = torch.zeros(cams.shape[1], dtype=torch.bool,
                                   device=cams.device)
                keep[list(tags)] = True
                cams = cams * keep.view(1, -1, 1, 1).to(cams.dtype)
            walked = self._walk_one(cams, [e.float() for e in embs])
            walked = resize(walked, size=(img_h, img_w), mode='bilinear',
                            align_corners=False)
            out[i, :, rows, cols] = torch.log(walked[0].clamp(min=1e-8))
        return out

    @staticmethod
    def _known_classes(sample, num_classes: int) -> Optional[List[int]]:
        if 'gt_image_labels' in sample:
            return (sample.gt_image_labels > 0).nonzero().view(-1).tolist()
        if 'gt_sparse_seg' in sample:
            values = torch.unique(sample.gt_sparse_seg.data)
            return [int(v) for v in values if int(v) < num_classes]
        return None

    # ------------------------------------------------------------------ #
    # Algorithm 2: nearest-neighbour retrieval
    def _unit_embedding(self, image: Tensor, scale: float, flip: bool,
                        cluster_at: str = 'input') -> Tensor:
        """``(D, h, w)`` unit embedding of a ``(1, 3, H, W)`` image resized
        by ``scale`` (and flipped): bilinearly at that resized size
        (``cluster_at='input'``, the public code) or at the head's own
        resolution (``'embedding'``)."""
        size = (max(int(round(image.shape[2] * scale)), 1),
                max(int(round(image.shape[3] * scale)), 1))
        x = image if size == tuple(image.shape[2:]) else resize(
            image, size=size, mode='bilinear', align_corners=False)
        if flip:
            x = x.flip(-1)
        emb = self.decode_head.embed(self.extract_feat(x))
        if cluster_at == 'input':
            emb = resize(emb, size=size, mode='bilinear', align_corners=False)
        return normalize_embedding(emb[0].permute(1, 2, 0)).permute(2, 0, 1)

    @staticmethod
    def image_region(meta: dict, height: int, width: int):
        """Rows and columns of a padded ``height x width`` batch that hold
        the image of ``meta`` (its ``img_padding_size`` or ``padding_size``,
        left, right, top, bottom, cut off)."""
        padding = meta.get('img_padding_size', meta.get('padding_size', [0] * 4))
        left, right, top, bottom = (int(p) for p in padding)
        return slice(top, height - bottom), slice(left, width - right)

    @torch.no_grad()
    def memory_prototypes(self, image: Tensor, label: Tensor,
                          scales: tuple = (0.5, 1.0, 1.5),
                          num_clusters: tuple = (12, 12),
                          iterations: int = 10, cluster_at: str = 'input'):
        """Memory-bank entries of one labelled image (public
        ``prototype_msc.py``): at each scale, the cluster prototypes of its
        embedding and the majority label of each cluster (the label map
        resized by nearest neighbour).

        Args:
            image (Tensor): ``(1, 3, H, W)`` preprocessed image, no padding.
            label (Tensor): ``(H, W)`` its labels (255 ignored, 254
                unlabeled).
            scales (tuple): Image scales. Defaults to (0.5, 1, 1.5).
            num_clusters (tuple): k-means grid. Defaults to (12, 12).
            iterations (int): k-means rounds. Defaults to 10.
            cluster_at (str): ``'input'`` clusters the embedding upsampled
                to the scaled image (the public code), ``'embedding'`` at
                the head's resolution (the labels are resized to it).

        Returns:
            tuple[Tensor, Tensor]: ``(P, D)`` unit prototypes and ``(P,)``
            labels; clusters whose majority is not a class (ignored or
            unlabeled pixels) are left out.
        """
        if tuple(label.shape) != tuple(image.shape[2:]):
            raise ValueError(f'label of size {tuple(label.shape)} for an image '
                             f'of size {tuple(image.shape[2:])}')
        protos, labels = [], []
        for scale in scales:
            emb = self._unit_embedding(image, scale, False, cluster_at)
            clusters, prototypes = cluster_image(emb, num_clusters, iterations)
            lab = label[None, None].float()
            if tuple(emb.shape[1:]) != tuple(label.shape):
                lab = F.interpolate(lab, size=emb.shape[1:], mode='nearest')
            major = majority_labels(lab.long().view(-1), clusters,
                                    prototypes.shape[0])
            keep = major < self.decode_head.num_classes
            protos.append(prototypes[keep])
            labels.append(major[keep])
        return torch.cat(protos), torch.cat(labels)

    def set_memory_bank(self, prototypes: Tensor, labels: Tensor) -> None:
        """Set the memory bank the retrieval searches.

        Args:
            prototypes (Tensor): ``(P, D)`` unit prototypes.
            labels (Tensor): ``(P,)`` their classes.
        """
        num_classes = self.decode_head.num_classes
        if prototypes.dim() != 2 or prototypes.shape[0] != labels.numel():
            raise ValueError(f'memory bank: {tuple(prototypes.shape)} '
                             f'prototypes for {labels.numel()} labels')
        if prototypes.shape[0] == 0:
            raise ValueError('memory bank: no prototypes')
        if int(labels.min()) < 0 or int(labels.max()) >= num_classes:
            raise ValueError(f'memory bank: labels outside [0, {num_classes})')
        self.memory_bank = (prototypes.float(), labels.long().view(-1))

    def retrieve(self, inputs: Tensor, batch_img_metas: List[dict]) -> Tensor:
        """Algorithm 2's retrieval scores, as log-scores at the input size.

        Args:
            inputs (Tensor): (N, 3, H, W) preprocessed inputs.
            batch_img_metas (list[dict]): Meta of each image (padding and
                the optional ``walk_tags``).

        Returns:
            Tensor: (N, C, H, W) ``log`` of the normalised vote fractions
            inside each image, ``log(1 / C)`` in the padding.
        """
        if self.memory_bank is None:
            raise RuntimeError('test_cfg.retrieval needs a memory bank: add '
                               'MemoryBankHook to custom_hooks (or call '
                               'set_memory_bank)')
        cfg = self.retrieval_cfg
        memory, memory_labels = (t.to(inputs.device) for t in self.memory_bank)
        num_classes = self.decode_head.num_classes
        batch, _, height, width = inputs.shape
        out = inputs.new_full((batch, num_classes, height, width),
                              -float(torch.log(torch.tensor(num_classes))))
        views = [False, True] if cfg['flip'] else [False]
        for i, meta in enumerate(batch_img_metas):
            rows, cols = self.image_region(meta, height, width)
            image = inputs[i:i + 1, :, rows, cols]
            size = tuple(image.shape[2:])
            prob = inputs.new_zeros((1, num_classes) + size)
            for scale in cfg['scales']:
                for flip in views:
                    emb = self._unit_embedding(image, scale, flip,
                                               cfg['cluster_at'])
                    clusters, protos = cluster_image(emb, cfg['num_clusters'],
                                                     cfg['iterations'])
                    votes = retrieval_votes(protos, memory, memory_labels,
                                            cfg['k'], num_classes)
                    votes = votes[clusters].t().reshape(
                        1, num_classes, *emb.shape[1:])
                    votes = resize(votes, size=size, mode='bilinear',
                                   align_corners=False)
                    prob += votes.flip(-1) if flip else votes
            prob /= len(cfg['scales']) * len(views)
            top = prob.flatten(2).max(-1)[0].clamp(min=cfg['min_max'])[0]
            tags = meta.get('walk_tags', None)
            divisor = torch.ones_like(top)
            if tags is not None and len(tags):
                divisor[list(tags)] = top[list(tags)]
            prob = prob / divisor.view(1, -1, 1, 1)
            out[i, :, rows, cols] = torch.log(prob[0].clamp(min=1e-8))
        return out

    def predict(self, inputs: Tensor, data_samples=None):
        """Classifier prediction, Algorithm 1 with ``random_walk`` or
        Algorithm 2's retrieval with ``retrieval``; with a refiner the
        unrefined labels are kept as ``rw_sem_seg`` / ``nn_sem_seg``."""
        if data_samples is None or (self.walk_cfg is None
                                    and self.retrieval_cfg is None):
            return super().predict(inputs, data_samples)
        for sample in data_samples:
            sample.set_metainfo(dict(walk_tags=self._known_classes(
                sample, self.decode_head.num_classes)))
        metas = [sample.metainfo for sample in data_samples]
        if self.retrieval_cfg is not None:
            scores, field = self.retrieve(inputs, metas), 'nn_sem_seg'
        else:
            cam_samples = data_samples if self.walk_cfg['seed'] == 'cam' else None
            scores, field = self.walk(inputs, metas, cam_samples), 'rw_sem_seg'
        self.postprocess_result(scores, data_samples)
        if not self.with_refiner:
            return data_samples
        for sample in data_samples:
            setattr(sample, field, sample.pred_sem_seg)
        refined = self.refine(scores, inputs, metas)
        return self.postprocess_result(refined, data_samples)
