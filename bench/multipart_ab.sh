#!/usr/bin/env bash
# A/B of the extra asks for multi-part questions (setting answer_parts) on the cases it can change:
# the multi-part cases of the seeds and Wikinews dev suites (bench/multipart.py --subset), answered with
# answer_parts 0 and 1 in this tree; every other question is one part and runs exactly as with 0.
# Usage (from the repository root): bash bench/multipart_ab.sh OUT_DIR [PYTHON]
# Writes OUT_DIR/{seeds,wiki}/ab-{0,1}.json and OUT_DIR/{seeds,wiki}/ab-diff.txt (bench/setting_ab.sh).
set -euo pipefail
OUT=${1:?usage: bash bench/multipart_ab.sh OUT_DIR [PYTHON]}; PY=${2:-.venv/bin/python}
CORPORA=${RAG_TEST_CORPORA:-../shared/corpora}
mkdir -p "$OUT"
for s in ${SUITES:-seeds wiki}; do  # SUITES=seeds: the seeds only
  case $s in
    seeds) src=seeds/; suite=tests/eval/seeds.yaml;;
    wiki) src=$CORPORA/wikinews-dev/docs; suite=tests/eval/wikinews-dev.yaml;;
  esac
  mkdir -p "$OUT/$s"
  PYTHONPATH=$PWD $PY -m bench.multipart --subset "$OUT/$s/multipart.yaml" "$suite"
  bash bench/setting_ab.sh "$OUT/$s" ANSWER_PARTS "$src" "$OUT/$s/multipart.yaml" "$PY"
done
echo "done: $OUT/*/ab-diff.txt"
