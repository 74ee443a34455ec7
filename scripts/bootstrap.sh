#!/usr/bin/env bash
# Installs everything Narahubung needs on a fresh Debian machine (run as root):
# the apt packages for the servers and OCR, and a virtual environment at .venv with the project.
# Safe to run again: it only installs what is missing or changed.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  dovecot-imapd        # private IMAP server: the demo inbox and the tests
  tesseract-ocr        # OCR of scanned letters
  tesseract-ocr-ind    # Indonesian language data for Tesseract
  postgresql           # private PostgreSQL cluster for the tests
  openssl              # self-signed certificates for the private IMAPS port
  ca-certificates
  fonts-dejavu-core    # the font the tests render scanned letters with
  chromium             # headless browser for the review app's tests (driven by pip's playwright)
)
PYTHON="${PYTHON:-python3}"

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ! "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null; then
  missing+=("python3-venv")
fi
if ((${#missing[@]})); then
  echo "==> apt: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

"$PYTHON" - <<'PY'
import sys
if sys.version_info < (3, 11):
    sys.exit(f"Narahubung needs Python 3.11 or newer; {sys.executable} is {sys.version.split()[0]}")
PY

if [[ ! -x .venv/bin/python ]]; then
  echo "==> creating .venv"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.narahubung-installed
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  echo "==> pip: installing Narahubung and its dependencies into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[test,bench]"
  echo "$want" > "$stamp"
fi
echo "==> ready: .venv/bin/narahubung"
