#!/usr/bin/env bash
# A/B of the extra asks for multi-part questions (setting answer_parts) on the cases it can change:
# the multi-part cases of the seeds and Wikinews dev suites (bench/multipart.py --subset), answered with
# answer_parts 0 and 1 in this tree; every other question is one part and runs exactly as with 0.
# Usage (from the repository root): bash bench/multipart_ab.sh OUT_DIR [PYTHON]
# Writes OUT_DIR/mp-{seeds,wiki}-{0,1}.json and OUT_DIR/mp-{seeds,wiki}-diff.txt (rag eval --compare).
set -euo pipefail
OUT=${1:?usage: bash bench/multipart_ab.sh OUT_DIR [PYTHON]}; PY=${2:-/work/main/.venv/bin/python}
CORPORA=${RAG_TEST_CORPORA:-../shared/corpora}
mkdir -p "$OUT"
R="env PYTHONPATH=$PWD $PY -m rag.cli"
PYTHONPATH=$PWD $PY -m bench.multipart --subset "$OUT/mp-seeds.yaml" tests/eval/seeds.yaml
PYTHONPATH=$PWD $PY -m bench.multipart --subset "$OUT/mp-wiki.yaml" tests/eval/wikinews-dev.yaml
for s in ${SUITES:-seeds wiki}; do  # SUITES=seeds: the seeds only
  case $s in seeds) src=seeds/;; wiki) src=$CORPORA/wikinews-dev/docs;; esac
  W=/tmp/ws-multipart-$s
  [ -d "$W" ] || $R ingest "$src" --workspace "$W" > "$OUT/mp-$s-ingest.log" 2>&1
  for on in 0 1; do
    RAG_ANSWER_PARTS=$on $R eval --workspace "$W" --questions "$OUT/mp-$s.yaml" --no-briefs \
      --json "$OUT/mp-$s-$on.json" > "$OUT/mp-$s-$on.log" 2>&1 || true  # exit 1 = a threshold missed
  done
  $R eval --compare "$OUT/mp-$s-0.json" "$OUT/mp-$s-1.json" > "$OUT/mp-$s-diff.txt" 2>&1 || true
done
echo "done: $OUT/mp-*-diff.txt"
