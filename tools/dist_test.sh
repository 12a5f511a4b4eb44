#!/usr/bin/env bash
# Launch tools/test.py on one or more nodes with torchrun (torch.distributed.run).
#
#   bash tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py args...]
#
# GPUS is the number of processes per node (on a CPU-only machine: the number
# of gloo processes). Multi-node runs set, on every node:
#   NNODES (default 1), NODE_RANK (default 0), MASTER_ADDR (default 127.0.0.1),
#   PORT (default 29500).
# PYTHON selects the interpreter (default: .venv/bin/python if present, else python).
set -euo pipefail

if [[ $# -lt 3 ]]; then
  echo "usage: $(basename "$0") CONFIG CHECKPOINT GPUS [test.py args...]" >&2
  exit 2
fi

CONFIG=$1
CHECKPOINT=$2
GPUS=$3
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
TOOLS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT_DIR="$(dirname "$TOOLS_DIR")"
# the project's venv (tools/setup_env.sh) unless PYTHON says otherwise
if [[ -x "$ROOT_DIR/.venv/bin/python" ]]; then DEFAULT_PYTHON="$ROOT_DIR/.venv/bin/python"; else DEFAULT_PYTHON=python; fi
PYTHON=${PYTHON:-$DEFAULT_PYTHON}

PYTHONPATH="${ROOT_DIR}${PYTHONPATH:+:$PYTHONPATH}" \
exec "$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$GPUS" \
    --master_port="$PORT" \
    "$TOOLS_DIR/test.py" \
    "$CONFIG" \
    "$CHECKPOINT" \
    --launcher pytorch "${@:4}"
