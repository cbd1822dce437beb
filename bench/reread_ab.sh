#!/usr/bin/env bash
# A/B of the second reading (setting reread) on the cases it can change: those whose answer the checker
# refused in a saved report of the same code (bench/refused.py); answered with reread 0 and 1 in this tree.
# Usage (repository root): bash bench/reread_ab.sh OUT_DIR SOURCE_DIR SUITE.yaml SAVED_REPORT.json [PYTHON]
# Writes OUT_DIR/ab-{0,1}.json and OUT_DIR/ab-diff.txt (bench/setting_ab.sh).
set -euo pipefail
OUT=${1:?usage: bash bench/reread_ab.sh OUT_DIR SOURCE_DIR SUITE.yaml SAVED_REPORT.json [PYTHON]}
PY=${5:-.venv/bin/python}
mkdir -p "$OUT"
PYTHONPATH=$PWD $PY -m bench.refused "$4" "$3" "$OUT/refused.yaml"
bash bench/setting_ab.sh "$OUT" REREAD "$2" "$OUT/refused.yaml" "$PY"
