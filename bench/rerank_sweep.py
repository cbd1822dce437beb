"""Choose the re-ranker's pool size and weights by measurement: hit@k, recall@k and MRR by document on
question suites already ingested into their workspaces, today's fusion against the re-ranker.

Prints, per suite: the metrics and retrieval ms (p50/p95, settings interleaved question by question)
without re-ranking, re-ranked without the role evidence, and re-ranked at each pool size; the metrics and cost of the sentence feature (cold
sentence cache); then a grid over the weights (the pool's features are computed once and only re-sorted)
ranked by hit + recall + MRR averaged over the suites, and each default feature switched off in turn.

Run: .venv/bin/python -m bench.rerank_sweep --suite WORKSPACE:QUESTIONS [--suite ...] [--pools 24,40,50]
"""
from __future__ import annotations

import argparse
import itertools
import statistics
import time
from dataclasses import dataclass, replace
from pathlib import Path

from rag import desk as app
from rag.core.config import load_settings
from rag.evaluation.cases import load_suite
from rag.evaluation.evaluate import _dedupe, hit_at_k, mrr_at_k, recall_at_k
from rag.retrieval.rerank import Features, RerankWeights, SentenceVectors, features
from rag.retrieval.retrieve import Weights, cap, retrieve

K = 4
# Measured 2026-11-29 on this machine (2 shared cores), pools 24/40/50; see the commit message for the table.
GRID = {"dense": (0.0, 0.5, 1.0), "sentence": (0.0, 1.0), "overlap": (0.0, 0.3), "constraint": (0.0, 0.3, 0.5),
        "entity": (0.0, 0.1), "title": (0.0, 0.1), "answer": (0.0, 0.05, 0.1), "evidence": (0.0, 0.05, 0.1, 0.2),
        "agreement": (0.0, 0.1, 0.2)}


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


def _metrics(index, cases, weights: Weights, k: int = K) -> tuple[float, float, float]:
    hit = rec = mrr = 0.0
    for c in cases:
        ids = _dedupe(h.chunk.doc_id for h in retrieve(index, c.question, k, weights=weights))
        hit, rec, mrr = hit + hit_at_k(ids, c.sources), rec + recall_at_k(ids, c.sources), mrr + mrr_at_k(ids, c.sources)
    n = len(cases) or 1
    return hit / n, rec / n, mrr / n


def _timings(index, cases, settings: list[Weights], rounds: int = 3) -> list[list[float]]:
    """Milliseconds per question for each setting, interleaved question by question so that load from
    other processes falls on all settings alike; the first round warms the caches and is not kept."""
    out: list[list[float]] = [[] for _ in settings]
    for r in range(rounds):
        for c in cases:
            for i, w in enumerate(settings):
                t0 = time.perf_counter()
                retrieve(index, c.question, K, weights=w)
                if r:
                    out[i].append((time.perf_counter() - t0) * 1000)
    return out


def _rows(index, cases, pool: int) -> list[Row]:
    """The pool in fused order with its features."""
    only_fused = Weights(pool=pool, per_story=pool,
                         finer=RerankWeights(**{**{f: 0.0 for f in RerankWeights.__dataclass_fields__}, "fused": 1.0}))
    docs = index.documents()
    rows = []
    for c in cases:
        hits = retrieve(index, c.question, pool, weights=only_fused)
        qvec = index.embedder.embed([c.question])[0]
        feats = features(c.question, qvec, hits, index.sentences, {h.chunk.doc_id: docs[h.chunk.doc_id].date for h in hits})
        rows.append(Row(frozenset(c.sources), tuple(hits), tuple(feats)))
    return rows


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
        pools = [int(x) for x in args.pools.split(",")]
        no_roles = Weights(pool=max(pools), finer=replace(RerankWeights(), evidence=0.0))
        settings = [Weights(rerank=False), no_roles] + [Weights(pool=p) for p in pools]
        times = _timings(index, cases, settings)
        print(f"\n== {questions} ({len(cases)} questions)\n"
              f"today's fusion: {_fmt(_metrics(index, cases, settings[0]))}  ({_pct(times[0])})\n"
              f"re-ranked without role evidence, pool {no_roles.pool}: {_fmt(_metrics(index, cases, no_roles))}  "
              f"({_pct(times[1])})")
        for w, t in zip(settings[2:], times[2:]):
            print(f"re-ranked, pool {w.pool}: {_fmt(_metrics(index, cases, w))}  ({_pct(t)})")
        index.sentences = SentenceVectors(embedder.embed)  # cold: what embedding a pool's sentences costs
        t0 = time.perf_counter()
        sentence_on = Weights(pool=max(pools), finer=replace(RerankWeights(), sentence=1.0))
        with_sentences = _metrics(index, cases, sentence_on)
        print(f"with the sentence feature (weight 1): {_fmt(with_sentences)}  "
              f"({(time.perf_counter() - t0) * 1000 / max(len(cases), 1):.0f} ms a question, cold cache)")
        suites[questions] = (_rows(index, cases, max(pools)), index.documents())
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
