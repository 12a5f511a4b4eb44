# Entry points of mmlabeleff. `make demo` and `make test` set everything up
# first (tools/setup_env.sh is idempotent: a second run does nothing).
PY ?= .venv/bin/python
DEMO_CFG := configs/demo/deeplabv3plus_efflite0_1xb8-300iter_texture-scenes-full-96x96.py
DEMO_WEAK_CFG := configs/demo/blpseg_efflite0_1xb8-300iter_texture-scenes-scribbles-96x96.py
DEMO_DIR := work_dirs/demo
CAMVID_CFG := configs/fully_supervised/deeplabv3plus/deeplabv3plus-mfb_efflite0_1xb8-2k_camvid-full-176x176.py

.PHONY: setup demo test lint camvid build-cuda bench-ops

setup:
	bash tools/setup_env.sh

# (a) set up, generate the demo data and its scribbles, train DeepLabV3+ on the
# full masks and BLPSeg on the scribbles (CPU), evaluate both, draw the picture
demo: setup
	$(PY) tools/misc/make_demo_dataset.py --out-dir data/texture_scenes
	$(PY) tools/dataset_converters/simulate_weak_labels.py --dataset folder \
		--img-dir data/texture_scenes/img_dir/train \
		--ann-dir data/texture_scenes/ann_dir/train --img-suffix .png \
		--num-classes 5 --classes background brick grass gravel tissue \
		--types scribbles --scribble-ratios 1.0 --out-dir data/texture_scenes_weak
	$(PY) tools/train.py $(DEMO_CFG) --work-dir $(DEMO_DIR)/full
	$(PY) tools/train.py $(DEMO_WEAK_CFG) --work-dir $(DEMO_DIR)/blpseg_scribbles
	$(PY) tools/misc/demo_summary.py \
		--full $(DEMO_CFG) $(DEMO_DIR)/full/iter_300.pth \
		--weak $(DEMO_WEAK_CFG) $(DEMO_DIR)/blpseg_scribbles/iter_300.pth \
		--out $(DEMO_DIR)/summary.png --json $(DEMO_DIR)/summary.json

# (b) set up and run the whole test suite (lint first)
test: setup
	$(PY) -m ruff check .
	$(PY) -m pytest -n 2 tests

lint:
	$(PY) -m ruff check .

# Fully supervised CamVid reference (class-balanced; about 20 minutes on 2 CPU cores)
camvid: setup
	mkdir -p data && ln -sfn $(abspath ../shared/data/camvid) data/camvid
	$(PY) tools/train.py $(CAMVID_CFG) --work-dir work_dirs/camvid_full_mfb

# Build mmlabeleff._ext with its CUDA kernels (FORCE_CUDA=1 also works on a
# machine without a GPU: CI compiles it this way, see tests/test_ops/test_ext_build.py)
build-cuda: setup
	FORCE_CUDA=1 MAX_JOBS=2 $(PY) setup.py build_ext --inplace

# Compiled ops against pydensecrf2 and the PyTorch references (docs/ops.md)
bench-ops: setup
	mkdir -p data && ln -sfn $(abspath ../shared/data/camvid) data/camvid
	$(PY) tools/analysis_tools/benchmark_ops.py --out work_dirs/benchmark_ops.json
