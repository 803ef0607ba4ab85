#!/usr/bin/env bash
# Regenerates docs/experiments/ (tables and SVG plots of the source article's experiments, issue 12 item 4;
# docs/experiments.md) from scenarios/experiments/:
#   tools/experiments/run.sh [RAFTSIM] [SEEDS] [LOAD_SEEDS]
# default build/raftsim, seeds 1..20, and 1..5 for the load sweep (c) (about 4 CPU s per seed at 256 clients)
# Deterministic: the same binary, scenarios and seeds give the same bytes. Times are virtual time.
set -euo pipefail
cd "$(dirname "$0")/../.."
raftsim="${1:-build/raftsim}"
seeds="${2:-1..20}"
load_seeds="${3:-1..5}"
command -v python3 >/dev/null || tools/install-deps.sh
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 tools/experiments/experiments.py --raftsim "$raftsim" --seeds "$seeds" --load-seeds "$load_seeds" --jobs "$(nproc 2>/dev/null || echo 2)" \
  --out docs/experiments --work "$work" --check
