#!/usr/bin/env bash
# The checker replay (bench/replay_checker.py) over the 18 saved default-model reports of 2026-11-30,
# old checker at REV (default 56492f4) against this tree; no model runs (about 40 s on 2 cores).
# Usage: bench/replay_checker_all.sh [REV] [CORPORA]   (CORPORA: default ../shared/corpora)
set -euo pipefail
cd "$(dirname "$0")/.."
REV=${1:-56492f4}
C=${2:-${RAG_TEST_CORPORA:-../shared/corpora}}/rgb-dev
R=bench/results
PY=${PYTHON:-python}
run() { echo "### $1"; PYTHONPATH=$PWD $PY bench/replay_checker.py "$R/$1" --questions "$2" --old-rev "$REV" | tail -n +2; }
for f in 2026-11-30b a8a37b4-2026-11-30 2026-11-30d 2026-11-30e 2026-11-30f; do
  run "eval-rgb-qwen1.5b-$f.json" "$C/questions.yaml"; done
for f in 2026-11-30b a8a37b4-2026-11-30 2026-11-30d; do
  run "eval-rgb-counterfactual-qwen1.5b-$f.json" "$C/counterfactual_questions.yaml"; done
for f in 30b 30b-run2 30d 30e 30f; do run "eval-wikinews-qwen1.5b-2026-11-$f.json" tests/eval/wikinews-dev.yaml; done
for f in 30b 30c 30f; do run "eval-seeds-qwen1.5b-2026-11-$f.json" tests/eval/seeds.yaml; done
for f in 30b 30d; do run "eval-wikinews-time-qwen1.5b-2026-11-$f.json" tests/eval/wikinews-time.yaml; done
