#!/usr/bin/env bash
# The main job on embedded defaults: set up, then triage the bundled sample inbox end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/narahubung demo "$@"
