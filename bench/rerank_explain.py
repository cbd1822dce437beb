"""Why the re-ranker missed: for each question whose top document is not gold or whose top k misses gold
documents it could hold, print the question, its parsed constraints, the best candidates with their
re-rank features, and where each gold document sits in the fused pool and in the re-ranked one.

Does: read a suite already ingested into a workspace and print; reuses `bench.rerank_sweep` for the pool.
Does not: change any setting, score a grid (bench.rerank_sweep does) or call a chat model.

Run: .venv/bin/python -m bench.rerank_explain WORKSPACE QUESTIONS [--top 5] [--all]
"""
from __future__ import annotations

import argparse
from pathlib import Path

from bench.rerank_sweep import K, _rows
from rag import desk as app
from rag.core.config import load_settings
from rag.evaluation.cases import load_suite
from rag.evaluation.evaluate import _dedupe
from rag.retrieval.constraints import parse
from rag.retrieval.rerank import Features, RerankWeights

POOL = 40  # the default pool (rag.retrieval.retrieve.Weights.pool)


def _line(rank: int, hit, f: Features, gold: frozenset[str], w: RerankWeights) -> str:
    mark = "G" if hit.chunk.doc_id in gold else " "
    text = " ".join(hit.chunk.text.split())[:140]
    return (f"  {rank:>2}{mark} {hit.chunk.doc_id:14s} score {f.score(w):.3f} fused {f.fused:.2f} "
            f"constraint {f.constraint:+.2f} answer {f.answer:.0f} evidence {f.evidence:.2f} agree {f.agreement:.2f} | {text}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("workspace")
    p.add_argument("questions", type=Path)
    p.add_argument("--top", type=int, default=5)
    p.add_argument("--all", action="store_true", help="every question, not only the misses")
    args = p.parse_args()
    embedder = app.load_embedder(load_settings({}, environ={}))
    index = app.open_index(load_settings({"workspace": args.workspace}, environ={}), embedder)
    cases = [c for c in load_suite(args.questions).cases if c.question and c.sources and not c.unanswerable]
    w = RerankWeights()
    for c, row in zip(cases, _rows(index, cases, POOL)):
        fused_ids = _dedupe(h.chunk.doc_id for h in row.pool)
        order = sorted(zip(row.pool, row.feats), key=lambda hf: (-hf[1].score(w), hf[0].chunk.chunk_id))
        ids = _dedupe(h.chunk.doc_id for h, _ in order)
        in_k = len(row.gold & set(ids[:K]))
        if not args.all and ids and ids[0] in row.gold and in_k >= min(K, len(row.gold)):
            continue
        q = parse(c.question)
        where = {g: (fused_ids.index(g) + 1 if g in fused_ids else None, ids.index(g) + 1 if g in ids else None)
                 for g in sorted(row.gold)}
        print(f"\n{c.id}: {c.question}\n  years {q.years} quarters {q.quarters} seasons {q.seasons} "
              f"editions {q.editions} names {q.entities}\n  gold (fused rank, re-ranked rank): {where}")
        for i, (h, f) in enumerate(order, 1):
            if i <= args.top or h.chunk.doc_id in row.gold:
                print(_line(i, h, f, row.gold, w))


if __name__ == "__main__":
    main()
