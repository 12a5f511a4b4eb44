"""Read an image's CAM dump into the pipeline (affinity / pseudo-label stage)."""
from mmcv.transforms import BaseTransform

from mmlabeleff.registry import TRANSFORMS
from mmlabeleff.structures.cam_dump import dump_path, load_cam_dump

__all__ = ['LoadCAMDump']


@TRANSFORMS.register_module()
class LoadCAMDump(BaseTransform):
    """Add the strided CAMs of the image's dump (written by the CAM stage's
    :class:`~mmlabeleff.engine.runner.DumpTestLoop`) to ``results``.

    Required keys: ``img_path``, ``ori_shape``.

    Added keys: ``strided_cams`` (float32 ``(T, ceil(H/4), ceil(W/4))``),
    ``cam_labels`` (list of ``T`` class ids); with ``with_cams`` also
    ``cams`` (float32 ``(T, H, W)``). :class:`PackWeakSegInputs` packs them.
    Use it before any geometric transform (the dump is at the original
    size).

    Args:
        dump_dir (str): The CAM dump folder.
        with_cams (bool): Also add the full-resolution CAMs. Defaults to
            False.

    Raises:
        FileNotFoundError: The image has no dump (names the file).
        ValueError: A corrupt dump, or one whose size differs from the
            image (names the file).
    """

    def __init__(self, dump_dir: str, with_cams: bool = False) -> None:
        self.dump_dir = dump_dir
        self.with_cams = with_cams

    def transform(self, results: dict) -> dict:
        """Load the dump of ``results['img_path']``."""
        path = dump_path(self.dump_dir, results['img_path'])
        arrays = load_cam_dump(path)
        ori = tuple(results.get('ori_shape', arrays['ori_shape'])[:2])
        if tuple(arrays['ori_shape']) != ori:
            raise ValueError(f'{path}: CAM dump of size '
                             f'{tuple(int(v) for v in arrays["ori_shape"])} '
                             f'for the image {results["img_path"]} of size {ori}')
        results['strided_cams'] = arrays['strided_cams'].astype('float32')
        results['cam_labels'] = arrays['cam_labels'].tolist()
        if self.with_cams:
            results['cams'] = arrays['cams'].astype('float32')
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(dump_dir={self.dump_dir!r}, '
                f'with_cams={self.with_cams})')
