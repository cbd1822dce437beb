"""Choose the re-ranker's pool size and weights by measurement: hit@k, recall@k and MRR by document on
question suites already ingested into their workspaces, for today's fusion and for weight settings.

For each question the pool (fused hits) and its features are computed once; every weight setting then
only re-sorts them, so a sweep costs one embedding pass. Timings: retrieval ms per question without
and with the re-ranker (cold sentence cache: each question's pool embedded for the first time... except
passages an earlier question already brought in, as in a live session).

Run: .venv/bin/python -m bench.rerank_sweep --suite /tmp/rgb-ws:questions.yaml [--suite ws:q.yaml ...]
"""
from __future__ import annotations

import argparse
import itertools
import statistics
import time
from dataclasses import dataclass, replace
from pathlib import Path

from rag import app
from rag.config import load_settings
from rag.eval_cases import load_suite
from rag.evaluate import _dedupe, hit_at_k, mrr_at_k, recall_at_k
from rag.rerank import Features, RerankWeights, SentenceVectors, features
from rag.retrieve import Weights, cap, retrieve

K = 4
GRID = {"dense": (0.0, 0.5, 1.0, 2.0), "sentence": (0.0, 1.0), "overlap": (0.0, 0.3, 0.6), "constraint": (0.0, 0.2, 0.4),
        "entity": (0.0, 0.1, 0.2), "title": (0.0, 0.1), "answer": (0.0, 0.1, 0.2)}


@dataclass(frozen=True)
class Row:
    gold: frozenset[str]
    pool: tuple
    feats: tuple[Features, ...]


def _score(rows: list[Row], docs: dict, w: RerankWeights, k: int = K) -> tuple[float, float, float]:
    hit = rec = mrr = 0.0
    for r in rows:
        order = sorted(zip(r.pool, r.feats), key=lambda hf: (-hf[1].score(w), hf[0].chunk.chunk_id))
        top = cap([h for h, _ in order], docs, k, 3)
        ids = _dedupe(h.chunk.doc_id for h in top)
        hit += hit_at_k(ids, r.gold)
        rec += recall_at_k(ids, r.gold)
        mrr += mrr_at_k(ids, r.gold)
    n = len(rows) or 1
    return hit / n, rec / n, mrr / n


def _baseline(index, cases, k: int = K) -> tuple[tuple[float, float, float], list[float]]:
    hit = rec = mrr = 0.0
    times = []
    for c in cases:
        t0 = time.perf_counter()
        ids = _dedupe(h.chunk.doc_id for h in retrieve(index, c.question, k, weights=Weights(rerank=False)))
        times.append((time.perf_counter() - t0) * 1000)
        hit, rec, mrr = hit + hit_at_k(ids, c.sources), rec + recall_at_k(ids, c.sources), mrr + mrr_at_k(ids, c.sources)
    n = len(cases) or 1
    return (hit / n, rec / n, mrr / n), times


def _rows(index, cases, pool: int) -> tuple[list[Row], list[float]]:
    """The pool in fused order with its features; the timing is that of a full `retrieve` with re-ranking."""
    only_fused = Weights(pool=pool, per_story=pool, finer=RerankWeights(1.0, *[0.0] * 7))
    docs = index.documents()
    rows, times = [], []
    for c in cases:
        t0 = time.perf_counter()
        retrieve(index, c.question, K, weights=Weights(pool=pool))
        times.append((time.perf_counter() - t0) * 1000)
        hits = retrieve(index, c.question, pool, weights=only_fused)
        qvec = index.embedder.embed([c.question])[0]
        feats = features(c.question, qvec, hits, index.sentences, {h.chunk.doc_id: docs[h.chunk.doc_id].date for h in hits})
        rows.append(Row(frozenset(c.sources), tuple(hits), tuple(feats)))
    return rows, times


def _pct(times: list[float]) -> str:
    q = statistics.quantiles(times, n=20) if len(times) > 1 else times * 19
    return f"p50 {statistics.median(times):.0f} ms, p95 {q[18]:.0f} ms"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--suite", action="append", required=True, help="WORKSPACE:QUESTIONS")
    p.add_argument("--pools", default="24,40,50")
    args = p.parse_args()
    embedder = app.load_embedder(load_settings({}, environ={}))
    suites: dict[str, tuple[list[Row], dict]] = {}
    for spec in args.suite:
        ws, questions = spec.split(":", 1)
        index = app.open_index(load_settings({"workspace": ws}, environ={}), embedder)
        cases = [c for c in load_suite(Path(questions)).cases if c.question and c.sources and not c.unanswerable]
        base, t_base = _baseline(index, cases)
        print(f"\n== {questions} ({len(cases)} questions)\ntoday's fusion: {_fmt(base)}  ({_pct(t_base)})")
        docs = index.documents()
        for pool in map(int, args.pools.split(",")):
            index.sentences = SentenceVectors(embedder.embed)  # cold cache per pool size
            rows, t = _rows(index, cases, pool)
            print(f"pool {pool}: default weights {_fmt(_score(rows, docs, RerankWeights()))} ({_pct(t)})")
        suites[questions] = (rows, docs)
    _sweep(suites)


def _fmt(m: tuple[float, float, float]) -> str:
    return f"hit {m[0]:.3f} recall {m[1]:.3f} mrr {m[2]:.3f}"


def _sweep(suites: dict[str, tuple[list[Row], dict]]) -> None:
    """Every grid point on every suite (the largest pool); ranked by the mean of recall + MRR over suites."""
    results = []
    for values in itertools.product(*GRID.values()):
        w = replace(RerankWeights(), **dict(zip(GRID, values)))
        ms = [_score(rows, docs, w) for rows, docs in suites.values()]
        results.append((sum(m[1] + m[2] + m[0] for m in ms) / len(ms), ms, w))
    results.sort(key=lambda r: -r[0])
    print("\nbest settings (per suite: hit/recall/mrr, in the order given):")
    for total, ms, w in results[:12]:
        print("  " + " | ".join(f"{m[0]:.2f}/{m[1]:.3f}/{m[2]:.3f}" for m in ms) + "   "
              + " ".join(f"{f} {getattr(w, f)}" for f in GRID))
    for name in GRID:  # one feature off at a time, from the defaults
        w = replace(RerankWeights(), **{name: 0.0})
        print(f"  without {name}: " + " | ".join(_fmt(_score(rows, docs, w)) for rows, docs in suites.values()))


if __name__ == "__main__":
    main()
