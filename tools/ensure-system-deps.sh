#!/usr/bin/env bash
# Debian packages `make test` needs, installed only when missing (needs root and apt-get; CI runs as root):
#   chromium                     the browser test (Playwright drives Debian's build; no browser downloads)
#   binutils-aarch64-linux-gnu   a strip for the arm64 layer binaries, unless llvm-strip is there
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v llvm-strip >/dev/null 2>&1 || command -v aarch64-linux-gnu-strip >/dev/null 2>&1 \
  || missing+=(binutils-aarch64-linux-gnu)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "missing Debian packages (${missing[*]}) cannot be installed here (need root and apt-get):" \
    "browser tests are skipped without chromium; the layer keeps its symbols without a strip" >&2
  exit 0
fi
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
