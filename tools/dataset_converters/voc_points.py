"""Point labels for PASCAL VOC, from scribbles or from object masks.

Two sources (sub-commands):

``scribbles``
    SPML's VOC points (Ke et al., ICLR 2021): the centre point (at half the
    arc length) of every ScribbleSup scribble, i.e.
    ``scribblesup.py --ratios 0``
    (:func:`mmlabeleff.structures.scribblesup.convert_scribblesup`; SPML
    dilates the points to 6 pixels, ``--dilation 6``). Output
    ``OUT_DIR/points_r000[_d<d>]/<id>.png`` and ``points_r000[_d<d>].json``.

``masks``
    One interior point per object of VOC's masks (per instance of
    ``SegmentationObject/<id>.png`` where that file exists, else per
    connected component of each class of ``SegmentationClassAug``), the pixel
    farthest from the object's border
    (:func:`mmlabeleff.structures.mask_points.convert_voc_mask_points`, whose
    module describes the rule). Output ``OUT_DIR/points_mask[_d<d>]/<id>.png``
    and ``points_mask[_d<d>].json``.

Both write 8-bit grayscale PNGs with the class id on the point pixels and
254 (unlabeled) elsewhere, and a JSON file of the exact points in the one
points-JSON format of :mod:`mmlabeleff.structures.weak_label_files`,
``{id: [{"point": [col, row], "point_label": c}, ...]}`` (the
``points_file`` of :class:`mmlabeleff.datasets.VOCWeakDataset`). Folder
names come from ``points_name(source='scribbles' | 'masks')``. Every file
is written atomically. The scribble source is the one the SPML paper used;
the mask source is deterministic and needs no scribbles.

Usage::

    python tools/dataset_converters/voc_points.py scribbles \\
        data/scribble_annotation/pascal_2012 \\
        data/VOCdevkit/VOC2012/ScribbleSup \\
        --img-dir data/VOCdevkit/VOC2012/JPEGImages --dilation 6
    python tools/dataset_converters/voc_points.py masks \\
        data/VOCdevkit/VOC2012 [--split ImageSets/Segmentation/trainaug.txt]
"""
import argparse
import sys

from mmlabeleff.structures.mask_points import convert_voc_mask_points
from mmlabeleff.structures.scribblesup import SCRIBBLESUP_DATASETS, convert_scribblesup


def parse_args(argv=None):
    """Parse command-line arguments.

    Args:
        argv (list[str], optional): Defaults to ``sys.argv[1:]``.

    Returns:
        argparse.Namespace: The parsed arguments.
    """
    parser = argparse.ArgumentParser(
        description='Point labels for PASCAL VOC, from ScribbleSup scribbles '
        '(their centre points) or from object masks (interior points).')
    sub = parser.add_subparsers(dest='source', required=True)
    scr = sub.add_parser('scribbles', help='centre points of the scribbles '
                         '(scribblesup.py --ratios 0)')
    scr.add_argument('xml_dir', help='folder of ScribbleSup <id>.xml')
    scr.add_argument('out_dir', help='parent of the output folder')
    scr.add_argument('--dataset', choices=SCRIBBLESUP_DATASETS,
                     default='voc')
    scr.add_argument('--img-dir', help='folder of <id>.jpg, for the sizes')
    scr.add_argument('--split', help='split file: convert only its ids')
    scr.add_argument('--coord-offset', type=float, default=0.0)
    scr.add_argument('--skip-unknown', action='store_true')
    scr.add_argument('--nproc', type=int, default=1)
    msk = sub.add_parser('masks', help='interior points of objects')
    msk.add_argument('voc_root', help='the VOC2012 folder')
    msk.add_argument('--split', default='ImageSets/Segmentation/trainaug.txt',
                     help='split file, relative to voc_root')
    msk.add_argument('--seg-dir', default='SegmentationClassAug',
                     help='class masks, relative to voc_root')
    msk.add_argument('--inst-dir', default='SegmentationObject',
                     help='instance masks (used where present)')
    msk.add_argument('--out-dir', help='default: <voc_root>/ScribbleSup')
    msk.add_argument('--min-area', type=int, default=25,
                     help='smallest component with a point (default: 25)')
    msk.add_argument('--no-background', action='store_true',
                     help='no points on background')
    for p in (scr, msk):
        p.add_argument('--dilation', type=int, default=1,
                       help='point diameter in pixels (default: 1; SPML: 6)')
    args = parser.parse_args(argv)
    if args.dilation < 1:
        parser.error('--dilation must be >= 1')
    return args


def main(argv=None):
    """Write the points and print a summary.

    Args:
        argv (list[str], optional): Defaults to ``sys.argv[1:]``.

    Returns:
        int: 0, or 2 after printing the error of a missing or bad input.
    """
    args = parse_args(argv)
    try:
        if args.source == 'scribbles':
            summary = convert_scribblesup(
                args.xml_dir, args.out_dir, args.dataset, [0.0],
                args.dilation, args.img_dir, args.split, args.coord_offset,
                args.skip_unknown, args.nproc)
            count = summary['scribbles']
        else:
            summary = convert_voc_mask_points(
                args.voc_root, args.split, args.seg_dir, args.inst_dir,
                args.out_dir, args.dilation, args.min_area,
                not args.no_background)
            count = summary['points']
    except (FileNotFoundError, ValueError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    print(f'{summary["images"]} images, {count} points')
    for path in summary['outputs']:
        print(f'  wrote {path}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
