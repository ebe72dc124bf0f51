#!/usr/bin/env bash
# Prints the directory of the python3.13 interpreter `sam build` will use (the Lambda runtime's Python):
# the one on PATH, else pyenv's newest 3.13. Exits 1 saying so when there is none.
# Used by tools/sam-build.sh and by `make preflight`.
set -euo pipefail
if command -v python3.13 >/dev/null 2>&1 && python3.13 -V >/dev/null 2>&1; then
  dirname "$(command -v python3.13)"
  exit 0
fi
if command -v pyenv >/dev/null 2>&1; then
  version="$(pyenv versions --bare 2>/dev/null | grep -E '^3\.13(\.[0-9]+)?$' | sort -V | tail -1 || true)"
  if [ -n "$version" ] && [ -x "$(pyenv root)/versions/$version/bin/python3.13" ]; then
    echo "$(pyenv root)/versions/$version/bin"
    exit 0
  fi
fi
echo "sam build needs python3.13 (the Lambda runtime) and none was found on PATH or under pyenv;" \
  "install it (e.g. 'pyenv install 3.13')" >&2
exit 1
