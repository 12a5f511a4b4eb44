"""SPML's segmentor: the trained classifier, or Algorithm 1's pseudo labels."""
from typing import List, Optional

import torch
import torch.nn.functional as F
from mmseg.models.utils import resize
from torch import Tensor

from mmlabeleff.models.utils.segsort import normalize_embedding
from mmlabeleff.ops import affinity_from_features, random_walk
from mmlabeleff.registry import MODELS
from .refined_encoder_decoder import RefinedEncoderDecoder

__all__ = ['SPML']

WALK_MODES = ('local', 'dense')
WALK_SEEDS = ('classifier', 'cam')


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

    Args:
        **kwargs: Those of :class:`RefinedEncoderDecoder`; ``test_cfg`` may
            hold ``random_walk=dict(mode='local', radius=4.9, beta=20,
            log_t=6, scale=5.0, stride=8, flip=True, seed='classifier',
            cam_alpha=6.0, background_index=None)``.
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
            padding = meta.get('img_padding_size', meta.get('padding_size', [0] * 4))
            left, right, top, bottom = (int(p) for p in padding)
            rows, cols = slice(top, height - bottom), slice(left, width - right)
            img_h, img_w = height - top - bottom, width - left - right
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

    def predict(self, inputs: Tensor, data_samples=None):
        """Classifier prediction, or Algorithm 1 with ``random_walk``."""
        if self.walk_cfg is None or data_samples is None:
            return super().predict(inputs, data_samples)
        for sample in data_samples:
            sample.set_metainfo(dict(walk_tags=self._known_classes(
                sample, self.decode_head.num_classes)))
        metas = [sample.metainfo for sample in data_samples]
        cam_samples = data_samples if self.walk_cfg['seed'] == 'cam' else None
        walked = self.walk(inputs, metas, cam_samples)
        if not self.with_refiner:
            return self.postprocess_result(walked, data_samples)
        self.postprocess_result(walked, data_samples)
        for sample in data_samples:
            sample.rw_sem_seg = sample.pred_sem_seg
        refined = self.refine(walked, inputs, metas)
        return self.postprocess_result(refined, data_samples)
