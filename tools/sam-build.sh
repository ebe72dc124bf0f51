#!/usr/bin/env bash
# `sam build` (python3.13, arm64) without Docker, then a smoke test of what it produced.
# SAM's python builder needs a python3.13 interpreter on PATH: use one there, or pyenv's.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! python3.13 -V >/dev/null 2>&1; then
  py313=""
  if command -v pyenv >/dev/null 2>&1; then
    version="$(pyenv versions --bare 2>/dev/null | grep -E '^3\.13(\.[0-9]+)?$' | sort -V | tail -1 || true)"
    [ -n "$version" ] && py313="$(pyenv root)/versions/$version/bin"
  fi
  if [ -z "$py313" ] || [ ! -x "$py313/python3.13" ]; then
    echo "sam build needs python3.13 (the Lambda runtime) and none was found on PATH or under pyenv;" >&2
    echo "install it (e.g. 'pyenv install 3.13') and run 'make build' again" >&2
    exit 1
  fi
  export PATH="$py313:$PATH"
fi

.venv-sam/bin/sam build --cached --parallel
.venv/bin/python tools/check_sam_build.py
