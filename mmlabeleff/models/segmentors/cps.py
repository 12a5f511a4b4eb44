"""CPS: two networks that supervise each other with hard pseudo labels."""
from typing import Dict, List, Tuple

import torch
from torch import Tensor

from mmlabeleff.registry import MODELS
from .semi_base_segmentor import STRONG, SUP, WEAK, SemiBaseSegmentor, reweight_losses

__all__ = ['CPS']


@MODELS.register_module()
class CPS(SemiBaseSegmentor):
    """Cross pseudo supervision (Chen, Yuan, Zeng and Wang, "Semi-Supervised
    Semantic Segmentation with Cross Pseudo Supervision", CVPR 2021).

    Two segmentors of one architecture and different initialisations (the
    ``student`` and a trained ``teacher`` built from the same config, whose
    randomly initialised layers differ) each learn from the labelled images
    and from the other's argmax on the unlabelled ones. With CutMix, as in
    the public code (github.com/charlesCXK/TorchSemiSeg, MIT): both
    networks label the unmixed unlabelled images (no gradient, training
    mode), the images (branch ``'unsup_student'``, a view without strong
    photometric augmentation in the CPS configs) and both label maps are
    mixed with the same masks, and each network's logits on the mixed
    images are trained towards the other's labels:

    ``L = L_sup(f1) + L_sup(f2) + unsup_weight * (CE(f1(x_mix), y2_mix) +
    CE(f2(x_mix), y1_mix))``

    with :class:`~mmlabeleff.models.losses.PseudoLabelCrossEntropyLoss` at
    threshold 0 (every valid pixel) and ``unsup_weight`` the paper's
    trade-off ``lambda`` (1.5 on VOC, 6 on Cityscapes; the public CutMix
    configs set 1 and 5). The public code's masks are CutMix-Seg's box
    masks, 3 boxes covering 25-50 % of each image
    (``semi_train_cfg=dict(mix='cutmix_seg', mix_boxes=3,
    mix_area=(0.25, 0.5))``, as the CPS configs here). Deviation: the
    mixing partner is another image of the batch (the public code mixes two
    unlabelled batches). mmdet's ``TeacherStudentValLoop`` evaluates both
    networks (``teacher/`` is the second one); prediction defaults to the
    first (``semi_test_cfg.predict_on='student'``).

    Args:
        segmentor (dict): Config of both segmentors.
        unsup_loss (dict): Defaults to ``PseudoLabelCrossEntropyLoss`` with
            threshold 0.
        semi_train_cfg (dict, optional): As :class:`SemiBaseSegmentor`;
            ``teacher`` is ``'peer'``, ``unsup_weight`` defaults to 1.5.
        **kwargs: Other arguments of :class:`SemiBaseSegmentor`.
    """

    TEACHERS = ('peer', )

    def __init__(self, segmentor: dict,
                 unsup_loss: dict = dict(
                     type='PseudoLabelCrossEntropyLoss', threshold=0.0),
                 semi_train_cfg=None, **kwargs) -> None:
        cfg = dict(teacher='peer', unsup_weight=1.5)
        cfg.update(semi_train_cfg or {})
        super().__init__(segmentor, unsup_loss=unsup_loss,
                         semi_train_cfg=cfg, **kwargs)

    def loss(self, multi_inputs: Dict[str, Tensor],
             multi_data_samples: Dict[str, List]) -> dict:
        """Both networks' supervised losses and the cross losses.

        Returns:
            dict: ``sup.*`` (first network), ``sup_peer.*`` (second),
            ``unsup.<loss>`` (the sum of both cross terms, weighted) and
            ``unsup.kept_ratio``.
        """
        self._check_branches(multi_inputs)
        cfg = self.semi_train_cfg
        sup_inputs, sup_samples = multi_inputs[SUP], multi_data_samples[SUP]
        weak, images = multi_inputs[WEAK], multi_inputs[STRONG]
        nets = (self.student, self.teacher)
        losses = reweight_losses(self.student.loss(sup_inputs, sup_samples),
                                 cfg['sup_weight'], 'sup.')
        losses.update(
            reweight_losses(self.teacher.loss(sup_inputs, sup_samples),
                            cfg['sup_weight'], 'sup_peer.'))
        valid = self.valid_masks(multi_data_samples[WEAK], weak.shape[-2:],
                                 weak.device)
        _, mixed, targets, masks = self.cross_targets(weak, images, valid)
        name = self.unsup_loss.loss_name
        cross = []
        for net, target in zip(nets, reversed(targets)):
            cross.append(self.unsup_loss(self.logits(net, mixed), target,
                                         masks))
        losses['unsup.' + name] = cfg['unsup_weight'] * (cross[0] + cross[1])
        losses['unsup.kept_ratio'] = self.unsup_loss.kept_ratio.detach()
        return losses

    @torch.no_grad()
    def cross_targets(self, weak: Tensor, images: Tensor, valid: Tensor
                      ) -> Tuple[List[Tensor], Tensor, List[Tensor], Tensor]:
        """Both networks' labels of the weak views, mixed with the images.

        One set of masks serves both networks: the same mixed images (the
        ClassMix masks drawn from the first network's labels).

        Returns:
            tuple: The unmixed probabilities of both networks on ``weak``,
            the mixed ``images``, both networks' mixed probabilities and
            the mixed valid mask.
        """
        probs = [
            self.logits(net, weak).softmax(dim=1)
            for net in (self.student, self.teacher)
        ]
        mixed, target1, target2, masks = self.mix_with_partner(
            self.mix_masks(probs[0], valid), images, probs[0], probs[1],
            valid)
        return probs, mixed, [target1, target2], masks

    @torch.no_grad()
    def student_targets(self, multi_inputs: Dict[str, Tensor],
                        multi_data_samples: Dict[str, List]) -> dict:
        """What the first network is trained on: the second one's labels.

        As :meth:`SemiBaseSegmentor.student_targets`; ``probs`` are the
        second network's probabilities on the unmixed images and the one
        view is the mixed image with the second network's mixed labels
        (the first network's own targets are the mirror image).
        """
        self._check_branches(multi_inputs)
        weak = multi_inputs[WEAK]
        valid = self.valid_masks(multi_data_samples[WEAK], weak.shape[-2:],
                                 weak.device)
        probs, mixed, targets, masks = self.cross_targets(
            weak, multi_inputs[STRONG], valid)
        return dict(probs=probs[1], valid=valid,
                    views=[(mixed, targets[1], masks)])
