#!/usr/bin/env bash
# A/B of one on/off setting on a question suite: ingest SOURCE into OUT/ws (once), answer SUITE with the
# setting at 0 and at 1 in this tree, and compare the two reports.
# Usage (repository root): bash bench/setting_ab.sh OUT_DIR SETTING SOURCE SUITE.yaml [PYTHON]
#   SETTING as its environment variable's suffix: ANSWER_PARTS, REREAD, ...
# Writes OUT_DIR/ab-{0,1}.json and OUT_DIR/ab-diff.txt (rag eval --compare).
set -euo pipefail
OUT=${1:?usage: bash bench/setting_ab.sh OUT_DIR SETTING SOURCE SUITE.yaml [PYTHON]}
SETTING=$2; SRC=$3; SUITE=$4; PY=${5:-.venv/bin/python}
mkdir -p "$OUT"
R="env PYTHONPATH=$PWD $PY -m rag.cli"
W=$OUT/ws
[ -d "$W" ] || $R ingest "$SRC" --workspace "$W" > "$OUT/ingest.log" 2>&1
for on in 0 1; do
  env "RAG_$SETTING=$on" $R eval --workspace "$W" --questions "$SUITE" --no-briefs \
    --json "$OUT/ab-$on.json" > "$OUT/ab-$on.log" 2>&1 || true  # exit 1 = a threshold missed
done
$R eval --compare "$OUT/ab-0.json" "$OUT/ab-1.json" > "$OUT/ab-diff.txt" 2>&1 || true
echo "done: $OUT/ab-diff.txt"
