#!/usr/bin/env bash
# A/B of the second reading (setting reread) on the cases it can change: those whose answer the checker
# refused in a saved report of the same code (bench/refused.py); answered with reread 0 and 1 in this tree.
# Usage (repository root): bash bench/reread_ab.sh OUT_DIR SOURCE_DIR SUITE.yaml SAVED_REPORT.json [PYTHON]
# Writes OUT_DIR/rr-{0,1}.json and OUT_DIR/rr-diff.txt (rag eval --compare).
set -euo pipefail
OUT=${1:?usage: bash bench/reread_ab.sh OUT_DIR SOURCE_DIR SUITE.yaml SAVED_REPORT.json [PYTHON]}
SRC=$2; SUITE=$3; SAVED=$4; PY=${5:-.venv/bin/python}
mkdir -p "$OUT"
R="env PYTHONPATH=$PWD $PY -m rag.cli"
PYTHONPATH=$PWD $PY -m bench.refused "$SAVED" "$SUITE" "$OUT/refused.yaml"
W=$OUT/ws
[ -d "$W" ] || $R ingest "$SRC" --workspace "$W" > "$OUT/ingest.log" 2>&1
for on in 0 1; do
  RAG_REREAD=$on $R eval --workspace "$W" --questions "$OUT/refused.yaml" --no-briefs \
    --json "$OUT/rr-$on.json" > "$OUT/rr-$on.log" 2>&1 || true  # exit 1 = a threshold missed
done
$R eval --compare "$OUT/rr-0.json" "$OUT/rr-1.json" > "$OUT/rr-diff.txt" 2>&1 || true
echo "done: $OUT/rr-diff.txt"
