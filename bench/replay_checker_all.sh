#!/usr/bin/env bash
# The checker replay (bench/replay_checker.py) over the eight saved default-model reports of 2026-11-30,
# old checker at REV (default 56492f4) against this tree; no model runs (about 30 s on 2 cores).
# Usage: bench/replay_checker_all.sh [REV] [CORPORA]   (CORPORA: default ../shared/corpora)
set -euo pipefail
cd "$(dirname "$0")/.."
REV=${1:-56492f4}
C=${2:-${RAG_TEST_CORPORA:-../shared/corpora}}/rgb-dev
R=bench/results
PY=${PYTHON:-python}
run() { echo "### $1"; PYTHONPATH=$PWD $PY bench/replay_checker.py "$R/$1" --questions "$2" --old-rev "$REV" | tail -n +2; }
run eval-rgb-qwen1.5b-2026-11-30b.json "$C/questions.yaml"
run eval-rgb-counterfactual-qwen1.5b-2026-11-30b.json "$C/counterfactual_questions.yaml"
run eval-wikinews-qwen1.5b-2026-11-30b.json tests/eval/wikinews-dev.yaml
run eval-wikinews-qwen1.5b-2026-11-30b-run2.json tests/eval/wikinews-dev.yaml
run eval-seeds-qwen1.5b-2026-11-30b.json tests/eval/seeds.yaml
run eval-wikinews-time-qwen1.5b-2026-11-30b.json tests/eval/wikinews-time.yaml
run eval-rgb-qwen1.5b-a8a37b4-2026-11-30.json "$C/questions.yaml"
run eval-rgb-counterfactual-qwen1.5b-a8a37b4-2026-11-30.json "$C/counterfactual_questions.yaml"
