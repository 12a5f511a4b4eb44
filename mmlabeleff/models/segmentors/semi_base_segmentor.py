"""Teacher-student wrapper for semi-supervised semantic segmentation.

In the spirit of mmdet's ``SemiBaseDetector`` (Apache-2.0): a student and a
teacher built from one segmentor config, supervised and unsupervised loss
weights, prediction from the teacher or the student, and the state-dict
prefixes that let ``load_from`` a plain segmentor checkpoint fill both. The
EMA update is mmdet's ``MeanTeacherHook`` and the validation of both models
mmdet's ``TeacherStudentValLoop``; both only need the ``teacher`` /
``student`` attributes and ``semi_test_cfg`` defined here.
"""
import copy
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmseg.models.segmentors import BaseSegmentor
from mmseg.models.utils import resize
from torch import Tensor

from mmlabeleff.models.utils.semi_mix import (
    classmix_masks,
    cutmix_masks,
    cutmix_seg_masks,
    mix,
    partner_index,
)
from mmlabeleff.registry import MODELS

__all__ = ['SemiBaseSegmentor']

MIXES = (None, 'cutmix', 'cutmix_seg', 'classmix')
SEMI_TRAIN_DEFAULTS = dict(
    sup_weight=1.0, unsup_weight=1.0, teacher='ema', mix='cutmix',
    mix_prob=0.5, mix_boxes=3, mix_area=(0.25, 0.5))
#: Branch names of the multi-branch data (mmdet's ``MultiBranch``).
SUP, WEAK, STRONG = 'sup', 'unsup_teacher', 'unsup_student'


def reweight_losses(losses: dict, weight: float, prefix: str) -> dict:
    """``prefix + name``; values whose name holds ``'loss'`` times weight."""
    return {
        prefix + name: (value * weight if 'loss' in name else value)
        for name, value in losses.items()
    }


@MODELS.register_module()
class SemiBaseSegmentor(BaseSegmentor):
    """Weak-to-strong teacher-student training of any mmseg segmentor.

    One training step, on a batch of labelled images (branch ``'sup'``)
    and unlabelled images seen through a weak view (``'unsup_teacher'``)
    and one or more strong views (``'unsup_student'``, ``'unsup_student2'``,
    ...; the same crop and flip, plus photometric augmentation):

    1. the supervised loss of the student on the labelled images, as the
       segmentor computes it (its decode and auxiliary heads);
    2. the teacher's class probabilities on the weak views, at the input
       resolution; padding (``padding_size`` of the data preprocessor) is
       marked invalid;
    3. each strong view mixed with its batch partner (CutMix boxes or
       ClassMix masks, :mod:`mmlabeleff.models.utils.semi_mix`), and the
       same mask applied to the teacher's probabilities and to the valid
       mask, so images and pseudo labels stay aligned;
    4. the student's logits on the mixed strong views (one forward for all
       views) and ``unsup_loss(logits, probs, valid)``, averaged over the
       views.

    ``teacher='ema'`` keeps a separate teacher, frozen and always in eval
    mode, updated by mmdet's ``MeanTeacherHook`` (``skip_buffer=False`` so
    that batch-norm statistics follow too): Mean Teacher (Tarvainen and
    Valpola, NeurIPS 2017) with CutMix as CutMix-Seg (French et al., BMVC
    2020) and :class:`~mmlabeleff.models.losses.SoftmaxMSELoss`.
    ``teacher='student'`` uses the student itself, in training mode and
    without gradient, in one forward with the labelled images (as the
    public UniMatch code's FixMatch does: github.com/LiheYoung/UniMatch,
    MIT): FixMatch (Sohn et al., NeurIPS 2020) with
    :class:`~mmlabeleff.models.losses.PseudoLabelCrossEntropyLoss`
    (threshold 0.95) and ``sup_weight = unsup_weight = 0.5`` is that code's
    ``(loss_x + loss_u) / 2``.

    Deviation from the public code: the image mixed into a strong view is
    another image of the same batch, labelled by the same teacher forward
    (the public code draws a second unlabelled batch and labels it with the
    model in eval mode), which saves a forward pass.

    Args:
        segmentor (dict): Config of the student (and teacher) segmentor,
            e.g. an mmseg ``EncoderDecoder``. Its ``data_preprocessor``
            (else a plain ``data_preprocessor`` argument) is wrapped in
            mmdet's ``MultiBranchDataPreprocessor``.
        unsup_loss (dict): Config of the unsupervised loss, called as
            ``loss(student_logits, teacher_probs, valid)``. Defaults to
            ``PseudoLabelCrossEntropyLoss`` with threshold 0.95.
        semi_train_cfg (dict, optional): ``sup_weight`` and
            ``unsup_weight`` (1.0), ``teacher`` (``'ema'`` or
            ``'student'``), ``mix`` (``'cutmix'``: UniMatch's single box,
            ``'cutmix_seg'``: CutMix-Seg / CPS boxes, ``'classmix'`` or
            None), ``mix_prob`` (probability of a ``'cutmix'`` box, 0.5),
            ``mix_boxes`` and ``mix_area`` (number of ``'cutmix_seg'``
            boxes and range of their summed area fraction, 3 and
            (0.25, 0.5), see
            :func:`~mmlabeleff.models.utils.semi_mix.cutmix_seg_masks`).
        semi_test_cfg (dict, optional): ``predict_on``: ``'teacher'``
            (default with an EMA teacher) or ``'student'``.
        data_preprocessor (dict, optional): A multi-branch data
            preprocessor, used as it is, or a plain one (see
            ``segmentor``).
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 segmentor: dict,
                 unsup_loss: dict = dict(
                     type='PseudoLabelCrossEntropyLoss', threshold=0.95),
                 semi_train_cfg: Optional[dict] = None,
                 semi_test_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        segmentor = copy.deepcopy(dict(segmentor))
        data_preprocessor = self._multi_branch_preprocessor(
            segmentor.pop('data_preprocessor', None), data_preprocessor)
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.semi_train_cfg = self._check_train_cfg(semi_train_cfg)
        default_on = 'teacher' if self.uses_ema_teacher else 'student'
        self.semi_test_cfg = dict(predict_on=default_on)
        self.semi_test_cfg.update(semi_test_cfg or {})
        self.student = MODELS.build(copy.deepcopy(segmentor))
        if self.semi_train_cfg['teacher'] in ('ema', 'peer'):
            self.teacher = MODELS.build(copy.deepcopy(segmentor))
        if self.uses_ema_teacher:
            self.freeze(self.teacher)
        self._check_predict_on(self.semi_test_cfg['predict_on'])
        self.unsup_loss = MODELS.build(unsup_loss)
        # read by mmseg's BaseSegmentor helpers (plain values, no modules)
        self.align_corners = self.student.align_corners
        self.num_classes = self.student.num_classes
        self.out_channels = self.student.out_channels

    # ------------------------------------------------------------------
    # configuration
    @staticmethod
    def _multi_branch_preprocessor(inner: Optional[dict],
                                   given: Optional[dict]) -> Optional[dict]:
        """A multi-branch ``given`` as it is; else the segmentor's own
        preprocessor (or ``given``, e.g. the top-level ``data_preprocessor``
        mmengine's Runner passes) wrapped in mmdet's
        ``MultiBranchDataPreprocessor``."""
        if given is not None and 'MultiBranch' in str(given.get('type', '')):
            return given
        inner = inner if inner is not None else given
        if inner is None:
            return None
        return dict(type='mmdet.MultiBranchDataPreprocessor',
                    data_preprocessor=inner)

    #: The teachers this class can train with: ``'ema'`` (a frozen EMA
    #: copy), ``'student'`` (the student itself, no gradient) or ``'peer'``
    #: (a second trained network, :class:`~mmlabeleff.models.segmentors.CPS`).
    TEACHERS = ('ema', 'student')

    @classmethod
    def _check_train_cfg(cls, cfg: Optional[dict]) -> dict:
        merged = dict(SEMI_TRAIN_DEFAULTS, **(cfg or {}))
        unknown = set(merged) - set(SEMI_TRAIN_DEFAULTS) - {
            'fp_weight', 'fp_dropout'}
        if unknown:
            raise ValueError(f'semi_train_cfg: unknown keys {sorted(unknown)}'
                             f' (known: {sorted(SEMI_TRAIN_DEFAULTS)})')
        if merged['teacher'] not in cls.TEACHERS:
            raise ValueError(f'{cls.__name__}: semi_train_cfg.teacher must be '
                             f"one of {cls.TEACHERS}, got "
                             f"{merged['teacher']!r}")
        if merged['mix'] not in MIXES:
            raise ValueError(f"semi_train_cfg.mix must be one of {MIXES}, "
                             f"got {merged['mix']!r}")
        if not 0.0 <= merged['mix_prob'] <= 1.0:
            raise ValueError('semi_train_cfg.mix_prob must be in [0, 1], got '
                             f"{merged['mix_prob']}")
        if merged['mix'] == 'cutmix_seg':  # the mask function checks them
            try:
                cutmix_seg_masks(1, 2, 2, merged['mix_boxes'],
                                 merged['mix_area'])
            except ValueError as err:
                raise ValueError('semi_train_cfg.mix_boxes / mix_area: '
                                 f'{err}') from None
        return merged

    def _check_predict_on(self, predict_on: str) -> None:
        if predict_on not in ('teacher', 'student'):
            raise ValueError("semi_test_cfg.predict_on must be 'teacher' or "
                             f"'student', got {predict_on!r}")
        if predict_on == 'teacher' and not hasattr(self, 'teacher'):
            raise ValueError("semi_test_cfg.predict_on='teacher' needs a "
                             "teacher (semi_train_cfg.teacher='ema' or "
                             "'peer')")

    @property
    def decode_head(self):
        """The predicting model's decode head (not a submodule of the
        wrapper, so that state dicts hold each weight once)."""
        return self._predictor().decode_head

    @property
    def uses_ema_teacher(self) -> bool:
        """Whether a separate EMA teacher is kept."""
        return self.semi_train_cfg['teacher'] == 'ema'

    @staticmethod
    def freeze(model: torch.nn.Module) -> None:
        """Eval mode and no gradients (the EMA teacher)."""
        model.eval()
        for param in model.parameters():
            param.requires_grad = False

    def train(self, mode: bool = True) -> 'SemiBaseSegmentor':
        """Set the mode; an EMA teacher stays in eval mode."""
        super().train(mode)
        if self.uses_ema_teacher:
            self.teacher.eval()
        return self

    # ------------------------------------------------------------------
    # helpers
    def _predictor(self):
        predict_on = self.semi_test_cfg.get('predict_on', 'teacher')
        self._check_predict_on(predict_on)
        return self.teacher if predict_on == 'teacher' else self.student

    @staticmethod
    def valid_masks(data_samples: Sequence, size: Tuple[int, int],
                    device: torch.device) -> Tensor:
        """``(N, H, W)`` bool: False on the padding the preprocessor added.

        Reads ``padding_size`` (left, right, top, bottom) from each
        sample's metainfo (mmseg's ``stack_batch``); a sample without it
        is valid everywhere.
        """
        height, width = size
        valid = torch.ones(len(data_samples), height, width, dtype=torch.bool,
                           device=device)
        for i, sample in enumerate(data_samples):
            left, right, top, bottom = sample.metainfo.get(
                'padding_size', (0, 0, 0, 0))
            valid[i, :top] = False
            valid[i, :, :left] = False
            if bottom:
                valid[i, height - bottom:] = False
            if right:
                valid[i, :, width - right:] = False
        return valid

    def logits(self, model, inputs: Tensor) -> Tensor:
        """A segmentor's logits at the input resolution."""
        feats = model.extract_feat(inputs)
        return self.upsample(model, model.decode_head.forward(feats),
                             inputs.shape[-2:])

    @staticmethod
    def upsample(model, logits: Tensor, size) -> Tensor:
        """Bilinear resize of decode-head logits to ``size``."""
        return resize(logits, size=size, mode='bilinear',
                      align_corners=model.align_corners)

    def sup_loss_from_feats(self, model, feats: Sequence[Tensor],
                            logits: Tensor, data_samples: List) -> dict:
        """Supervised losses of ``model`` from its features and logits."""
        losses = dict()
        head_losses = model.decode_head.loss_by_feat(logits, data_samples)
        losses.update({'decode.' + k: v for k, v in head_losses.items()})
        if model.with_auxiliary_head:
            losses.update(
                model._auxiliary_head_forward_train(feats, data_samples))
        return losses

    def sup_and_weak(self, sup_inputs: Tensor, sup_samples: List,
                     weak_inputs: Tensor, fp_dropout: Optional[float] = None,
                     with_sup_loss: bool = True
                     ) -> Tuple[dict, Tensor, Optional[Tensor]]:
        """Supervised losses and the weak views' teacher probabilities.

        With an EMA teacher: the student's ordinary loss and the teacher's
        softmax (no gradient). Otherwise one student forward of the
        labelled images and the weak views together (batch-norm
        statistics over both, as the public FixMatch / UniMatch code);
        with ``fp_dropout`` the decode head also sees the features after
        channel dropout (UniMatch's feature perturbation), whose logits on
        the weak views are returned third. ``with_sup_loss=False`` skips
        the supervised loss (an empty dict is returned first; the weak
        views' probabilities are unchanged, the labelled images still
        sharing the batch-norm statistics).

        Returns:
            tuple: Supervised losses, ``(N, K, H, W)`` probabilities of the
            weak views (detached) and the perturbed logits (or None).
        """
        size = weak_inputs.shape[-2:]
        if self.uses_ema_teacher:
            if fp_dropout is not None:
                raise ValueError('the feature-perturbation stream needs '
                                 "semi_train_cfg.teacher='student'")
            losses = (self.student.loss(sup_inputs, sup_samples)
                      if with_sup_loss else dict())
            with torch.no_grad():
                probs = self.logits(self.teacher, weak_inputs).softmax(dim=1)
            return losses, probs, None
        if sup_inputs.shape[-2:] != size:
            raise ValueError('labelled and unlabelled crops must have one '
                             f'size, got {tuple(sup_inputs.shape[-2:])} and '
                             f'{tuple(size)} (set the data preprocessor '
                             "'size')")
        num_sup = sup_inputs.shape[0]
        feats = self.student.extract_feat(torch.cat([sup_inputs,
                                                     weak_inputs]))
        fp_logits = None
        if fp_dropout is None:
            head_out = self.student.decode_head.forward(feats)
        else:
            doubled = [
                torch.cat([f, F.dropout2d(f, fp_dropout, training=True)])
                for f in feats
            ]
            head_out, fp_out = self.student.decode_head.forward(
                doubled).chunk(2)
            fp_logits = self.upsample(self.student, fp_out[num_sup:], size)
        losses = dict()
        if with_sup_loss:
            sup_feats = [f[:num_sup] for f in feats]
            losses = self.sup_loss_from_feats(self.student, sup_feats,
                                              head_out[:num_sup], sup_samples)
        probs = self.upsample(self.student, head_out[num_sup:].detach(),
                              size).softmax(dim=1)
        return losses, probs, fp_logits

    def mix_masks(self, probs: Tensor, valid: Tensor) -> Optional[Tensor]:
        """Masks of the pixels each image takes from its partner."""
        mode = self.semi_train_cfg['mix']
        if mode is None:
            return None
        num, _, height, width = probs.shape
        if mode == 'cutmix':
            return cutmix_masks(num, height, width,
                                self.semi_train_cfg['mix_prob'],
                                device=probs.device)
        if mode == 'cutmix_seg':
            return cutmix_seg_masks(num, height, width,
                                    self.semi_train_cfg['mix_boxes'],
                                    self.semi_train_cfg['mix_area'],
                                    device=probs.device)
        partner = partner_index(num, probs.device)
        return classmix_masks(probs.argmax(dim=1)[partner], valid[partner])

    @staticmethod
    def mix_with_partner(mask: Optional[Tensor],
                         *batches: Tensor) -> List[Tensor]:
        """Each batch with its partners' pixels where ``mask`` is True (the
        batches unchanged when ``mask`` is None)."""
        if mask is None:
            return list(batches)
        partner = partner_index(mask.shape[0], mask.device)
        return [mix(batch, batch[partner], mask) for batch in batches]

    def mixed_views(self, strong_views: List[Tensor], probs: Tensor,
                    valid: Tensor) -> Tuple[List[Tensor], List[Tensor],
                                            List[Tensor]]:
        """Each strong view mixed with its partner, with its probabilities
        and valid mask mixed alike (one mask per view and image)."""
        images, targets, masks = [], [], []
        for view in strong_views:
            image, target, mask = self.mix_with_partner(
                self.mix_masks(probs, valid), view, probs, valid)
            images.append(image)
            targets.append(target)
            masks.append(mask)
        return images, targets, masks

    def strong_loss(self, strong_views: List[Tensor], probs: Tensor,
                    valid: Tensor) -> dict:
        """The unsupervised loss on the mixed strong views (one forward),
        averaged over the views, and the fraction of kept pixels."""
        images, targets, masks = self.mixed_views(strong_views, probs, valid)
        logits = self.logits(self.student, torch.cat(images)).chunk(
            len(images))
        name = self.unsup_loss.loss_name
        losses, kept = dict(), []
        for i, (view_logits, target, mask) in enumerate(
                zip(logits, targets, masks)):
            suffix = '' if len(images) == 1 else f'_s{i + 1}'
            losses[name + suffix] = self.unsup_loss(
                view_logits, target, mask) / len(images)
            kept.append(self.unsup_loss.kept_ratio)
        losses['kept_ratio'] = torch.stack(kept).mean().detach()
        return losses

    @property
    def unsup_threshold(self) -> float:
        """Confidence below which the unsupervised loss drops a pixel (0
        for losses without a threshold, e.g. Mean Teacher's MSE)."""
        return float(getattr(self.unsup_loss, 'threshold', 0.0))

    @torch.no_grad()
    def student_targets(self, multi_inputs: Dict[str, Tensor],
                        multi_data_samples: Dict[str, List]) -> dict:
        """What the student is trained on in one step, for inspection.

        The steps of :meth:`loss` up to the unsupervised loss, without
        gradient: the teacher's probabilities on the weak views and each
        strong view mixed with its partner, its probabilities and valid
        mask mixed alike (a fresh draw of the mixing masks, so call under a
        fixed ``torch.manual_seed`` to repeat it). Used by
        :func:`mmlabeleff.apis.draw_semi_batch`.

        Args:
            multi_inputs (dict[str, Tensor]): Preprocessed multi-branch
                inputs, as :meth:`loss` receives them.
            multi_data_samples (dict[str, list]): Their data samples.

        Returns:
            dict: ``probs`` ``(N, K, H, W)`` (weak views), ``valid``
            ``(N, H, W)`` bool, and ``views``: one ``(image, probs, valid)``
            triple per strong view after mixing, ``probs`` being the
            targets of the student's loss.
        """
        self._check_branches(multi_inputs)
        weak = multi_inputs[WEAK]
        _, probs, _ = self.sup_and_weak(multi_inputs[SUP],
                                        multi_data_samples[SUP], weak,
                                        with_sup_loss=False)
        valid = self.valid_masks(multi_data_samples[WEAK], weak.shape[-2:],
                                 weak.device)
        strong = [multi_inputs[k] for k in self.strong_branches(multi_inputs)]
        images, targets, masks = self.mixed_views(strong, probs, valid)
        return dict(probs=probs, valid=valid,
                    views=list(zip(images, targets, masks)))

    @staticmethod
    def strong_branches(multi_inputs: Dict[str, Tensor]) -> List[str]:
        """``'unsup_student'``, ``'unsup_student2'``, ... in order."""
        names = [k for k in multi_inputs if k.startswith(STRONG)]
        return sorted(names, key=lambda k: (len(k), k))

    def _check_branches(self, multi_inputs: Dict[str, Tensor]) -> None:
        if not isinstance(multi_inputs, dict):
            raise TypeError('semi-supervised training expects multi-branch '
                            "inputs {'sup', 'unsup_teacher', 'unsup_student'"
                            '} (mmdet MultiBranch in the pipelines and '
                            'MultiBranchDataPreprocessor), got '
                            f'{type(multi_inputs).__name__}')
        missing = [k for k in (SUP, WEAK, STRONG) if k not in multi_inputs]
        if missing:
            raise KeyError(f'multi-branch inputs lack {missing}; got '
                           f'{sorted(multi_inputs)} (does every batch hold '
                           'labelled and unlabelled images? see '
                           'MultiSourceSampler)')

    # ------------------------------------------------------------------
    # BaseSegmentor interface
    def loss(self, multi_inputs: Dict[str, Tensor],
             multi_data_samples: Dict[str, List]) -> dict:
        """Supervised and unsupervised losses of one multi-branch batch.

        Args:
            multi_inputs (dict[str, Tensor]): ``'sup'``, ``'unsup_teacher'``
                and ``'unsup_student'`` (and ``'unsup_student2'``, ...)
                image batches.
            multi_data_samples (dict[str, list]): Their data samples.

        Returns:
            dict: ``sup.*`` and ``unsup.*`` loss items (weighted) and
            ``unsup.kept_ratio``, the fraction of valid unlabelled pixels
            the unsupervised loss kept.
        """
        self._check_branches(multi_inputs)
        weak = multi_inputs[WEAK]
        sup_losses, probs, _ = self.sup_and_weak(
            multi_inputs[SUP], multi_data_samples[SUP], weak)
        valid = self.valid_masks(multi_data_samples[WEAK], weak.shape[-2:],
                                 weak.device)
        strong = [multi_inputs[k] for k in self.strong_branches(multi_inputs)]
        unsup_losses = self.strong_loss(strong, probs, valid)
        cfg = self.semi_train_cfg
        losses = reweight_losses(sup_losses, cfg['sup_weight'], 'sup.')
        losses.update(
            reweight_losses(unsup_losses, cfg['unsup_weight'], 'unsup.'))
        return losses

    def predict(self, inputs: Tensor, data_samples=None) -> List:
        """Predict with the teacher or the student (``semi_test_cfg``)."""
        return self._predictor().predict(inputs, data_samples)

    def _forward(self, inputs: Tensor, data_samples=None) -> Tensor:
        """Decode-head logits of the predicting model."""
        return self._predictor()._forward(inputs, data_samples)

    def extract_feat(self, inputs: Tensor) -> List[Tensor]:
        """Features of the predicting model."""
        return self._predictor().extract_feat(inputs)

    def encode_decode(self, inputs: Tensor, batch_img_metas: List[dict]
                      ) -> Tensor:
        """Logits of the predicting model at the input size."""
        return self._predictor().encode_decode(inputs, batch_img_metas)

    def _load_from_state_dict(self, state_dict: dict, prefix: str, *args,
                              **kwargs) -> None:
        """A plain segmentor checkpoint (no ``student.`` / ``teacher.``
        keys) fills the student and, if any, the teacher."""
        own = [k for k in state_dict if k.startswith(prefix)]
        if own and not any(
                k[len(prefix):].startswith(('student.', 'teacher.'))
                for k in own):
            targets = ['student.'] + (['teacher.']
                                      if hasattr(self, 'teacher') else [])
            for key in own:
                value = state_dict.pop(key)
                for target in targets:
                    state_dict[prefix + target + key[len(prefix):]] = value
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

