#!/usr/bin/env bash
# The whole test suite against real servers (Dovecot, aiosmtpd, PostgreSQL, Tesseract).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/python -m pytest "$@"
