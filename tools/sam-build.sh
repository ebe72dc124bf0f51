#!/usr/bin/env bash
# `sam build` for python3.13/arm64 without Docker: SAM needs a python3.13 interpreter on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v python3.13 >/dev/null 2>&1 || ! python3.13 -V >/dev/null 2>&1; then
  if command -v pyenv >/dev/null 2>&1 && py313="$(PYENV_VERSION=3.13.0 pyenv which python3.13 2>/dev/null)"; then
    export PATH="$(dirname "$py313"):$PATH"
  else
    echo "sam build needs python3.13 on PATH (Lambda's runtime); install it (e.g. pyenv install 3.13) and retry" >&2
    exit 1
  fi
fi
.venv-sam/bin/sam build --cached --parallel
