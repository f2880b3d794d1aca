#!/usr/bin/env bash
# System packages EcoComply needs beyond Python's, installed only when missing (Debian/Ubuntu, apt):
#   runtime: a CJK TrueType font for the PDF documents (fonts-wqy-zenhei)
#   tests:   Chromium + Noto CJK for the dashboard's browser test, poppler-utils (pdftotext)
# Usage: deploy/system-deps.sh runtime|test
set -euo pipefail
want=(fonts-wqy-zenhei)
if [ "${1:-runtime}" = test ]; then
  want+=(fonts-noto-cjk poppler-utils chromium)
fi
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ "${#missing[@]}" -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "EcoComply needs these system packages: ${missing[*]} (no apt-get here: install them by hand)" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "EcoComply needs these system packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi
echo "installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq </dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null
