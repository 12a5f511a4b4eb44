"""UniMatch: weak-to-strong consistency with a feature-perturbation stream."""
from typing import Dict, List, Optional

from torch import Tensor

from mmlabeleff.registry import MODELS
from .semi_base_segmentor import SUP, WEAK, SemiBaseSegmentor, reweight_losses

__all__ = ['UniMatch']


@MODELS.register_module()
class UniMatch(SemiBaseSegmentor):
    """UniMatch (Yang, Qi, Feng, Zhang and Shi, "Revisiting Weak-to-Strong
    Consistency in Semi-Supervised Semantic Segmentation", CVPR 2023).

    :class:`SemiBaseSegmentor` with the student as its own teacher and two
    extra streams, as in the public code (github.com/LiheYoung/UniMatch,
    MIT; constants from its ``unimatch.py`` and ``configs/*.yaml``):

    - image-level perturbation: two strong views (branches
      ``'unsup_student'`` and ``'unsup_student2'``), each with its own
      CutMix box, both supervised by the weak view's pseudo labels;
    - feature-level perturbation: the decode head also sees the encoder
      features of the labelled and weak images after channel dropout
      (``fp_dropout`` 0.5, ``nn.Dropout2d``; one decode-head forward on the
      doubled batch, as the public code), and its logits on the weak views
      are supervised by the same pseudo labels.

    The loss is ``sup_weight * L_x + unsup_weight * mean(L_s1, L_s2) +
    fp_weight * L_fp``; the public ``(L_x + 0.25 L_s1 + 0.25 L_s2 + 0.5
    L_fp) / 2`` is ``sup_weight=0.5, unsup_weight=0.25, fp_weight=0.25``
    (the defaults here), with
    :class:`~mmlabeleff.models.losses.PseudoLabelCrossEntropyLoss`
    (threshold 0.95, normalised by the valid pixels).

    Args:
        segmentor (dict): Config of the segmentor.
        semi_train_cfg (dict, optional): As :class:`SemiBaseSegmentor`,
            plus ``fp_weight`` (0.25) and ``fp_dropout`` (0.5); ``teacher``
            must be ``'student'`` (the default here).
        **kwargs: Other arguments of :class:`SemiBaseSegmentor`.
    """

    def __init__(self, segmentor: dict,
                 semi_train_cfg: Optional[dict] = None, **kwargs) -> None:
        cfg = dict(sup_weight=0.5, unsup_weight=0.25, fp_weight=0.25,
                   fp_dropout=0.5, teacher='student')
        cfg.update(semi_train_cfg or {})
        if cfg['teacher'] != 'student':
            raise ValueError("UniMatch uses the student as its teacher "
                             "(semi_train_cfg.teacher='student'), got "
                             f"{cfg['teacher']!r}")
        if not 0.0 <= cfg['fp_dropout'] < 1.0:
            raise ValueError('semi_train_cfg.fp_dropout must be in [0, 1), '
                             f"got {cfg['fp_dropout']}")
        super().__init__(segmentor, semi_train_cfg=cfg, **kwargs)

    def loss(self, multi_inputs: Dict[str, Tensor],
             multi_data_samples: Dict[str, List]) -> dict:
        """Supervised, strong-view and feature-perturbation losses.

        Returns:
            dict: ``sup.*``, ``unsup.<loss>_s1`` / ``_s2``, ``fp.<loss>``
            (weighted) and ``unsup.kept_ratio``.
        """
        self._check_branches(multi_inputs)
        cfg = self.semi_train_cfg
        weak = multi_inputs[WEAK]
        sup_losses, probs, fp_logits = self.sup_and_weak(
            multi_inputs[SUP], multi_data_samples[SUP], weak,
            fp_dropout=cfg['fp_dropout'])
        valid = self.valid_masks(multi_data_samples[WEAK], weak.shape[-2:],
                                 weak.device)
        strong = [multi_inputs[k] for k in self.strong_branches(multi_inputs)]
        unsup_losses = self.strong_loss(strong, probs, valid)
        fp_loss = self.unsup_loss(fp_logits, probs, valid)
        losses = reweight_losses(sup_losses, cfg['sup_weight'], 'sup.')
        losses.update(
            reweight_losses(unsup_losses, cfg['unsup_weight'], 'unsup.'))
        losses['fp.' + self.unsup_loss.loss_name] = cfg['fp_weight'] * fp_loss
        return losses
