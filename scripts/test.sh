#!/usr/bin/env bash
# The whole test suite against real servers (Dovecot, aiosmtpd, PostgreSQL, Tesseract).
# Without arguments (as CI runs it) the code checks run first: ruff, the import layers, mypy.
# With arguments they go to pytest alone (`bash scripts/test.sh tests/test_cli.py -x`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
if [[ $# -eq 0 ]]; then
  echo "==> ruff"
  .venv/bin/ruff check .
  echo "==> import layers (import-linter)"
  .venv/bin/lint-imports --no-cache
  echo "==> mypy"
  .venv/bin/mypy
fi
exec .venv/bin/python -m pytest "$@"
