#!/usr/bin/env bash
# `sam build` (python3.13, arm64) without Docker, then a smoke test of what it produced.
# SAM's python builder needs a python3.13 interpreter on PATH: use one there, or pyenv's (tools/python313-dir.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

py313_dir="$(bash tools/python313-dir.sh)" || { echo "then run 'make build' again" >&2; exit 1; }
export PATH="$py313_dir:$PATH"

.venv-sam/bin/sam build --cached --parallel
.venv/bin/python -m tools.check_sam_build
