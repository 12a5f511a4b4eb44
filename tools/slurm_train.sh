#!/usr/bin/env bash
# Launch tools/train.py on a Slurm cluster with srun (one task per GPU).
#
#   bash tools/slurm_train.sh PARTITION JOB_NAME CONFIG [WORK_DIR] [train.py args...]
#
# WORK_DIR is optional: a fourth argument that does not start with "-" is
# passed on as --work-dir. Environment variables:
#   GPUS (default 4): total number of tasks; GPUS_PER_NODE (default 4);
#   CPUS_PER_TASK (default 5); SRUN_ARGS: extra srun options (word-split);
#   PYTHON (default: `python` of the current environment).
set -euo pipefail

if [[ $# -lt 3 ]]; then
  echo "usage: $(basename "$0") PARTITION JOB_NAME CONFIG [WORK_DIR] [train.py args...]" >&2
  exit 2
fi

PARTITION=$1
JOB_NAME=$2
CONFIG=$3
shift 3
PY_ARGS=()
if [[ $# -gt 0 && $1 != -* ]]; then
  PY_ARGS+=(--work-dir "$1")
  shift
fi
PY_ARGS+=("$@")

GPUS=${GPUS:-4}
GPUS_PER_NODE=${GPUS_PER_NODE:-4}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
read -r -a EXTRA_SRUN_ARGS <<< "${SRUN_ARGS:-}"
TOOLS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT_DIR="$(dirname "$TOOLS_DIR")"
# the project's venv (tools/setup_env.sh) unless PYTHON says otherwise
if [[ -x "$ROOT_DIR/.venv/bin/python" ]]; then DEFAULT_PYTHON="$ROOT_DIR/.venv/bin/python"; else DEFAULT_PYTHON=python; fi
PYTHON=${PYTHON:-$DEFAULT_PYTHON}

PYTHONPATH="${ROOT_DIR}${PYTHONPATH:+:$PYTHONPATH}" \
exec srun -p "$PARTITION" \
    --job-name="$JOB_NAME" \
    --gres=gpu:"$GPUS_PER_NODE" \
    --ntasks="$GPUS" \
    --ntasks-per-node="$GPUS_PER_NODE" \
    --cpus-per-task="$CPUS_PER_TASK" \
    --kill-on-bad-exit=1 \
    "${EXTRA_SRUN_ARGS[@]}" \
    "$PYTHON" -u "$TOOLS_DIR/train.py" "$CONFIG" --launcher slurm "${PY_ARGS[@]}"
