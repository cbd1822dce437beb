"""Rank fusion against score fusion, measured offline: for each question every chunk's cosine and BM25
score are read once (whole-corpus rankings), then pools are rebuilt under several fusion rules and list
depths, re-ranked with the shipped re-rank features, and scored (hit/recall/MRR at k 4, by document).

Does: print one line per (suite, fusion rule), then the agreement weight (rag.retrieval.consensus) swept,
with leave-half-out numbers (chosen on the questions with odd ids, scored on the even ones, and back).
Does not: change any setting or call a chat model.

Run: .venv/bin/python -m bench.fusion_sweep --suite WORKSPACE:QUESTIONS [--suite ...]
"""
from __future__ import annotations

import argparse
import re
from dataclasses import dataclass, replace
from pathlib import Path

from bench.rerank_sweep import K

AGREEMENT = (0.0, 0.1, 0.2, 0.3, 0.5, 0.8)
from rag import desk as app
from rag.core.config import load_settings
from rag.core.types import Hit
from rag.evaluation.cases import load_suite
from rag.evaluation.evaluate import _dedupe, hit_at_k, mrr_at_k, recall_at_k
from rag.retrieval.rerank import RerankWeights, features
from rag.retrieval.retrieve import RRF_K, cap


@dataclass(frozen=True)
class Q:
    id: str
    gold: frozenset[str]
    cos: dict  # chunk_id -> cosine
    bm25: dict  # chunk_id -> BM25 score
    chunks: dict  # chunk_id -> Chunk
    question: str
    qvec: object


def _load(index, cases) -> list[Q]:
    docs = index.documents()
    versions = {d: r.version for d, r in docs.items()}
    lex = index.lexical(docs)
    total = index.store.chunk_count()
    out = []
    for c in cases:
        qvec = index.embedder.embed([c.question])[0]
        dense = index.store.dense_search(qvec, total, versions)
        out.append(Q(c.id, frozenset(c.sources), {ch.chunk_id: s for ch, s in dense},
                     dict(lex.search(c.question, total)), {ch.chunk_id: ch for ch, _ in dense}, c.question, qvec))
    return out


def _ranked(d: dict, depth: int) -> list[str]:
    return sorted(d, key=lambda c: (-d[c], c))[:depth]


def pool_rrf(q: Q, depth: int, n: int, wd: float = 0.5, wl: float = 1.0) -> list[tuple[str, float]]:
    s: dict[str, float] = {}
    for w, lst in ((wd, _ranked(q.cos, depth)), (wl, _ranked(q.bm25, depth))):
        for r, cid in enumerate(lst, 1):
            s[cid] = s.get(cid, 0.0) + w / (RRF_K + r)
    return sorted(s.items(), key=lambda x: (-x[1], x[0]))[:n]


def pool_score(q: Q, depth: int, n: int, alpha: float, rrf_mix: float = 0.0) -> list[tuple[str, float]]:
    """Convex fusion of the cosine and the BM25 score, each min-max normalised over the union of both
    lists; every candidate has both scores (a BM25 of 0 when no word matches)."""
    cands = set(_ranked(q.cos, depth)) | set(_ranked(q.bm25, depth))
    cs = [q.cos[c] for c in cands]
    bs = [q.bm25.get(c, 0.0) for c in cands]
    clo, chi, bhi = min(cs), max(cs), max(bs) or 1.0
    rrf = dict(pool_rrf(q, depth, len(cands)))
    rtop = max(rrf.values())
    s = {c: alpha * (q.cos[c] - clo) / ((chi - clo) or 1.0) + (1 - alpha) * q.bm25.get(c, 0.0) / bhi for c in cands}
    top = max(s.values()) or 1.0
    s = {c: (1 - rrf_mix) * v / top + rrf_mix * rrf.get(c, 0.0) / rtop for c, v in s.items()}
    return sorted(s.items(), key=lambda x: (-x[1], x[0]))[:n]


def _evaluate(qs: list[Q], docs, make_pool, w: RerankWeights) -> tuple[float, float, float]:
    hit = rec = mrr = 0.0
    for q in qs:
        pool = [Hit(q.chunks[c], s, similarity=q.cos[c]) for c, s in make_pool(q)]
        feats = features(q.question, q.qvec, pool, None, {h.chunk.doc_id: docs[h.chunk.doc_id].date for h in pool},
                         split=False, roles=bool(w.evidence), agree=bool(w.agreement))
        order = sorted(zip(pool, feats), key=lambda hf: (-hf[1].score(w), hf[0].chunk.chunk_id))
        ids = _dedupe(h.chunk.doc_id for h in cap([h for h, _ in order], docs, K, 3))
        hit, rec, mrr = hit + hit_at_k(ids, q.gold), rec + recall_at_k(ids, q.gold), mrr + mrr_at_k(ids, q.gold)
    n = len(qs) or 1
    return hit / n, rec / n, mrr / n


def _half(qs: list[Q], parity: int) -> list[Q]:
    """The questions whose id ends in an odd (1) or even (0) number; positions when an id has no number."""
    num = [re.search(r"(\d+)\D*$", q.id) for q in qs]
    return [q for i, (q, m) in enumerate(zip(qs, num)) if (int(m.group(1)) if m else i) % 2 == parity]


def _agreement(qs: list[Q], docs, w: RerankWeights) -> None:
    """The agreement weight swept on today's pool; leave-half-out: chosen on one half, scored on the other."""
    halves = {"odd": _half(qs, 1), "even": _half(qs, 0)}
    rows = {a: {h: _evaluate(x, docs, lambda q: pool_rrf(q, 24, 40), replace(w, agreement=a)) for h, x in
                {"all": qs, **halves}.items()} for a in AGREEMENT}
    for a, r in rows.items():
        print(f"  agreement {a:<4} " + " | ".join(_fmt(r[h]) for h in ("all", "odd", "even")))
    for fit, test in (("odd", "even"), ("even", "odd")):
        best = max(AGREEMENT, key=lambda a: (sum(rows[a][fit]), -a))
        print(f"  chosen on {fit}: {best}, scored on {test}: {_fmt(rows[best][test])} "
              f"(weight 0 there: {_fmt(rows[0.0][test])})")


def _fmt(m) -> str:
    return f"{m[0]:.2f}/{m[1]:.3f}/{m[2]:.3f}"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--suite", action="append", required=True, help="WORKSPACE:QUESTIONS")
    args = p.parse_args()
    embedder = app.load_embedder(load_settings({}, environ={}))
    w = replace(RerankWeights(), agreement=0.0)  # the fusion rules are compared with today's re-ranker
    rules = {"rrf d24 pool40 (today)": lambda q: pool_rrf(q, 24, 40),
             "rrf d40 pool40": lambda q: pool_rrf(q, 40, 40),
             "rrf d60 pool60": lambda q: pool_rrf(q, 60, 60)}
    for depth in (24, 40, 60):
        for a in (0.3, 0.5, 0.7):
            rules[f"score a{a} d{depth} pool40"] = lambda q, a=a, d=depth: pool_score(q, d, 40, a)
            rules[f"score+rrf a{a} d{depth} pool40"] = lambda q, a=a, d=depth: pool_score(q, d, 40, a, 0.5)
    for spec in args.suite:
        ws, questions = spec.split(":", 1)
        index = app.open_index(load_settings({"workspace": ws}, environ={}), embedder)
        cases = [c for c in load_suite(Path(questions)).cases if c.question and c.sources and not c.unanswerable]
        qs, docs = _load(index, cases), index.documents()
        print(f"\n== {questions} ({len(qs)} questions)  hit/recall/mrr: all | odd ids | even ids")
        for name, rule in rules.items():
            parts = [qs, _half(qs, 1), _half(qs, 0)]
            print(f"  {name:32s} " + " | ".join(_fmt(_evaluate(x, docs, rule, w)) for x in parts), flush=True)
        print(f"  {'rrf today, no rerank':32s} "
              + _fmt(_evaluate(qs, docs, lambda q: pool_rrf(q, 24, 40),
                               replace(w, constraint=0, answer=0, evidence=0, agreement=0))))
        _agreement(qs, docs, w)


if __name__ == "__main__":
    main()

