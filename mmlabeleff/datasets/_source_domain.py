"""A private base of the synthetic UDA source datasets (GTA5, SYNTHIA)."""
from typing import List

from mmengine import fileio
from mmseg.datasets import BaseSegDataset, CityscapesDataset

from ._weak_info import check_domain, check_supervision, require_file


class _CityscapesClassesSource(BaseSegDataset):
    """Images in one folder, train-id label maps in another, 19 classes.

    Labels are Cityscapes train ids (0..18, 255 void) so that a model shares
    its head with the Cityscapes target domain. Subclasses set
    :attr:`CONVERTER` (named in the error when a converted label is missing).

    Args:
        supervision (str): ``'full'`` or ``'unlabeled'``. Defaults to
            ``'full'``.
        domain (str): Defaults to ``'source'``.
        **kwargs: Passed to :class:`mmseg.datasets.BaseSegDataset`; an
            ``ann_file`` lists image names without suffix, one per line.
    """
    METAINFO = CityscapesDataset.METAINFO
    PROVIDES = ('full', 'unlabeled')
    CONVERTER = ''

    def __init__(self, supervision: str = 'full', domain: str = 'source',
                 **kwargs) -> None:
        name = type(self).__name__
        data_prefix = kwargs.get('data_prefix', {})
        check_supervision(name, supervision, self.PROVIDES,
                          has_seg_dir=bool(data_prefix.get('seg_map_path')),
                          has_sparse_dir=False)
        check_domain(name, domain)
        self.supervision = supervision
        self.domain = domain
        super().__init__(**kwargs)

    def _seg_label_map(self):
        """The ``label_map`` LoadAnnotations applies (class subsets only)."""
        return self.label_map

    def load_data_list(self) -> List[dict]:
        """mmseg's folder scan (or split file), plus supervision and domain.

        Raises:
            FileNotFoundError: Naming a missing folder, split file or label.
        """
        if self.ann_file:
            require_file(self.ann_file, f'{type(self).__name__} split file',
                         backend_args=self.backend_args)
        else:
            img_dir = self.data_prefix['img_path']
            if not fileio.isdir(img_dir, backend_args=self.backend_args):
                raise FileNotFoundError(
                    f'{img_dir}: {type(self).__name__} image folder not found')
        data_list = super().load_data_list()
        if not data_list:
            raise FileNotFoundError(
                f'{self.ann_file or self.data_prefix["img_path"]}: no '
                f'*{self.img_suffix} images found')
        label_map = self._seg_label_map()
        for info in data_list:
            if self.ann_file:
                require_file(info['img_path'], f'image of {self.ann_file}',
                             backend_args=self.backend_args)
            info['supervision'] = self.supervision
            info['domain'] = self.domain
            info['label_map'] = label_map
            if self.supervision != 'full':
                info.pop('seg_map_path', None)
                continue
            require_file(
                info['seg_map_path'], f'{type(self).__name__} label map',
                f' (write train-id labels with {self.CONVERTER})'
                if self.CONVERTER else '', self.backend_args)
        return data_list

