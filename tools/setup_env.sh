#!/usr/bin/env bash
# Create the project's Python environment from nothing, reproducibly and idempotently.
#
#   bash tools/setup_env.sh            # creates ./.venv (or $MMLABELEFF_VENV)
#
# Steps: a Python 3.11 venv; pinned build tools; torch 2.14.1 + torchvision 0.29.1;
# mmcv 2.1.0 built from source with its ops (patched for torch 2.14: C++20 instead
# of C++14/17; setuptools 80.10.2 still ships pkg_resources) into a wheel cache
# ($MMLABELEFF_CACHE, default ~/.cache/mmlabeleff/wheels) so that later setups
# take seconds; the rest of the OpenMMLab stack; test tools; mmlabeleff itself
# (editable, which compiles mmlabeleff._ext).
#
# A stamp file records a hash of this script, requirements/*.txt (setup.py's
# install_requires is requirements/runtime.txt), setup.py and the kernel sources
# (mmlabeleff/ops/csrc); when the stamp matches, the environment imports and
# mmlabeleff/.mim (mim's links to configs/ and tools/, made by the editable
# install) exists, the script does nothing. pyproject.toml is not hashed: its
# [build-system] table only matters for isolated builds, which this script
# never does (everything is installed with --no-build-isolation).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${MMLABELEFF_VENV:-$ROOT/.venv}"
CACHE="${MMLABELEFF_CACHE:-$HOME/.cache/mmlabeleff}"
WHEELS="$CACHE/wheels"
PY="${PYTHON:-python3.11}"
MMCV_VERSION=2.1.0
STAMP="$VENV/.mmlabeleff-setup-stamp"

log() { echo "[setup_env] $*"; }

hash_inputs() {
  # the kernels too: changed C++/CUDA sources rebuild mmlabeleff._ext
  { cat "$ROOT/tools/setup_env.sh" "$ROOT"/requirements/*.txt "$ROOT/setup.py"
    find "$ROOT/mmlabeleff/ops/csrc" -type f | LC_ALL=C sort | xargs cat; } | sha256sum | cut -c1-16
}

want="$(hash_inputs)"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$want" ]] \
   && [[ -f "$ROOT/mmlabeleff/.mim/tools/train.py" ]] \
   && "$VENV/bin/python" -c "import mmcv.ops, mmseg, mmdet, mmpretrain, mmlabeleff._ext" 2>/dev/null; then
  log "environment at $VENV is up to date (nothing to do)"
  exit 0
fi

start=$(date +%s)
if [[ ! -x "$VENV/bin/python" ]]; then
  log "creating venv $VENV with $PY"
  "$PY" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip install --disable-pip-version-check -q)

log "build tools"
"${PIP[@]}" --upgrade pip
"${PIP[@]}" -r "$ROOT/requirements/build.txt"

log "torch + torchvision"
"${PIP[@]}" "$(grep '^torch==' "$ROOT/requirements/runtime.txt")" \
            "$(grep '^torchvision==' "$ROOT/requirements/runtime.txt")"
"${PIP[@]}" "$(grep '^mmengine==' "$ROOT/requirements/runtime.txt")"

# ---- mmcv 2.1.0 from source, cached as a wheel --------------------------------
mkdir -p "$WHEELS"
wheel_file="$(ls "$WHEELS"/mmcv-"$MMCV_VERSION"-*.whl 2>/dev/null | head -n1 || true)"
if [[ -z "$wheel_file" ]]; then
  log "no cached mmcv wheel: building mmcv $MMCV_VERSION with ops (about 15 minutes on 2 cores)"
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  # The sdist's setup.py imports torch, so download it with the venv's build env.
  "$VENV/bin/python" -m pip download -q --no-deps --no-binary :all: --no-build-isolation \
      -d "$work" "mmcv==$MMCV_VERSION"
  tar -xzf "$work"/mmcv-"$MMCV_VERSION".tar.gz -C "$work"
  src="$work/mmcv-$MMCV_VERSION"
  # Fix 1: torch >= 2.10 headers need C++20.
  sed -i -e 's/-std=c++14/-std=c++20/g' -e 's/-std=c++17/-std=c++20/g' "$src/setup.py"
  grep -q 'std=c++20' "$src/setup.py" || { echo "[setup_env] patching mmcv setup.py failed" >&2; exit 1; }
  # Fix 2 (pkg_resources) is the setuptools pin in requirements/build.txt.
  (cd "$src" && MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-$(nproc)}" \
      "$VENV/bin/python" -m pip wheel -q --no-build-isolation --no-deps -w "$work/dist" .)
  built="$(ls "$work"/dist/mmcv-*.whl)"
  # Atomic publish into the cache: copy under a temporary name, then rename.
  cp "$built" "$WHEELS/.tmp-$(basename "$built")"
  mv "$WHEELS/.tmp-$(basename "$built")" "$WHEELS/$(basename "$built")"
  wheel_file="$WHEELS/$(basename "$built")"
  log "cached $wheel_file"
fi
log "installing $wheel_file"
"${PIP[@]}" "$wheel_file"

log "OpenMMLab stack and runtime requirements"
"${PIP[@]}" -r "$ROOT/requirements/runtime.txt"
log "test tools"
"${PIP[@]}" -r "$ROOT/requirements/tests.txt"

log "optional benchmark baselines (pydensecrf2; skipped if it does not build)"
"${PIP[@]}" -r "$ROOT/requirements/optional.txt" || log "optional requirements skipped"

log "mmlabeleff (editable; compiles mmlabeleff._ext; links mmlabeleff/.mim for mim)"
# Not --no-deps: pip checks setup.py's install_requires (requirements/runtime.txt,
# all installed above, so nothing is downloaded; mmcv is not among them and torch
# stays as pinned).
"${PIP[@]}" --no-build-isolation -e "$ROOT"
"$VENV/bin/python" -m pip check

"$VENV/bin/python" -c "import mmcv.ops, mmseg, mmdet, mmpretrain, mmlabeleff._ext; print('[setup_env] imports ok: mmcv', mmcv.__version__, 'mmseg', mmseg.__version__)"
echo "$want" > "$STAMP.tmp" && mv "$STAMP.tmp" "$STAMP"
log "done in $(( $(date +%s) - start )) s"
