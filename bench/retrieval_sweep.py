"""Choose chunk size, overlap and k by measurement: retrieval quality on the seed questions.

For each chunking setting it ingests the seeds into a temporary store and reports, for dense only,
BM25 only and hybrid retrieval at several k: doc hit@k (a gold article retrieved) and answer-hit@k
(a retrieved chunk contains a gold answer string: the passage the model needs is in its context),
plus the best dense similarity of answerable vs unanswerable questions (the abstention threshold).

Run: .venv/bin/python -m bench.retrieval_sweep [--questions tests/eval/seeds.yaml]
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from rag import desk as app
from rag.core.config import PROJECT_ROOT, load_settings
from rag.evaluation.cases import load_suite, normalize_answer
from rag.ingest.pipeline import ingest
from rag.retrieval.retrieve import Weights, retrieve

SETTINGS = [(96, 16), (128, 24), (160, 32), (224, 32), (320, 48)]
KS = (2, 3, 4, 6)
MODES = ("dense", "lexical", "hybrid")
FUSION = [(1.0, 1.0), (0.7, 1.0), (0.5, 1.0), (1.0, 0.7)]  # (dense, lexical) weights, at the default chunking


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--questions", type=Path, default=PROJECT_ROOT / "tests/eval/seeds.yaml")
    args = p.parse_args()
    suite = load_suite(args.questions)
    cases = [c for c in suite.cases if c.question and not c.unanswerable and c.sources]
    unanswerable = [c for c in suite.cases if c.unanswerable and c.question]
    defaults = load_settings({}, environ={})
    embedder = app.load_embedder(defaults)
    print(f"{len(cases)} answerable and {len(unanswerable)} unanswerable questions\n")
    print(f"{'chunk':>5} {'ovl':>4} {'mode':>8} " + " ".join(f"{'doc@' + str(k):>6} {'ans@' + str(k):>6}" for k in KS))
    for tokens, overlap in SETTINGS:
        with tempfile.TemporaryDirectory() as ws:
            s = load_settings({"workspace": ws, "chunk_tokens": tokens, "chunk_overlap": overlap}, environ={})
            index = app.open_index(s, embedder)
            ingest([PROJECT_ROOT / "seeds"], index.store, embedder, chunk_tokens=tokens, chunk_overlap=overlap,
                   max_bytes=10**8)
            for mode in MODES:
                row = []
                for k in KS:
                    doc_hits = ans_hits = 0
                    for c in cases:
                        hits = retrieve(index, c.question, k, mode=mode)
                        doc_hits += any(h.chunk.doc_id in c.sources for h in hits)
                        ans_hits += _answer_in(c, hits)
                    row.append(f"{doc_hits / len(cases):6.2f} {ans_hits / len(cases):6.2f}")
                print(f"{tokens:>5} {overlap:>4} {mode:>8} " + " ".join(row))
            if (tokens, overlap) == (defaults.chunk_tokens, defaults.chunk_overlap):
                for wd, wl in FUSION:
                    row = []
                    for k in KS:
                        hits_all = [retrieve(index, c.question, k, weights=Weights(wd, wl)) for c in cases]
                        doc = sum(any(h.chunk.doc_id in c.sources for h in hs) for c, hs in zip(cases, hits_all))
                        ans = sum(_answer_in(c, hs) for c, hs in zip(cases, hits_all))
                        row.append(f"{doc / len(cases):6.2f} {ans / len(cases):6.2f}")
                    print(f"{'':>10} w={wd:.1f}/{wl:.1f} " + " ".join(row))
            best = lambda cs: [max((h.similarity or 0) for h in retrieve(index, c.question, 6)) for c in cs]  # noqa: E731
            a, u = best(cases), best(unanswerable)
            print(f"{'':>19}best similarity: answerable min {min(a):.2f} median {statistics.median(a):.2f}; "
                  f"unanswerable min {min(u):.2f} median {statistics.median(u):.2f} max {max(u):.2f}")


def _answer_in(case, hits) -> bool:
    """A retrieved chunk holds a gold answer string (or the first must_include group)."""
    needles = [normalize_answer(a) for a in case.answers] or [normalize_answer(x) for x in case.must_include[0]]
    text = normalize_answer(" ".join(h.chunk.text for h in hits))
    return any(n in text for n in needles)


if __name__ == "__main__":
    main()
