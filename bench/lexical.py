"""Section "lexical" (also `python -m bench.lexical [--chunks N]`): the BM25 index before (bm25s,
rebuilt in memory whenever a document changed, saved whole) and after (rag.retrieval.lexical:
updated in place, a base segment + head on disk), on one store of synthetic chunks.

Measures, side by side: building from the store, loading in a fresh index object (what a new app
process does), bringing it up to date after one article (10 chunks) is added and after one is
removed (before: a rebuild), and hybrid retrieval p50 / p95 through `retrieve` with each index
(and with the new one without the re-ranked candidate pool: the fused top k alone), with how many
queries return the same top k. Full: 100,000 chunks; quick: 10,000.
The chunks are bench.retrieval's (seed sentences recombined, random unit vectors).
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.context import SEEDS, Context
from bench.corpus import Recombiner
from bench.report import Result, Stopwatch, Table, progress, render
from bench.retrieval import Writer, measure, top_ids
from rag import desk as app
from rag.core.types import Chunk, DocRecord, Document
from rag.retrieval import lexical_files
from rag.retrieval.lexical import Lexical, tokens
from rag.retrieval.retrieve import Index, Weights


class Bm25s:
    """The index as it was: bm25s over every current chunk, rebuilt when anything changed."""

    def __init__(self, chunks: list[Chunk]):
        import bm25s

        self.ids = [c.chunk_id for c in chunks]
        self.bm25 = bm25s.BM25()
        self.bm25.index([tokens(f"{c.title}\n{c.text}") or ["_empty_"] for c in chunks], show_progress=False)

    def search(self, query: str, n: int, allowed: Any = None) -> list[tuple[str, float]]:
        q = [t for t in tokens(query) if t in self.bm25.vocab_dict]
        if not q:
            return []
        scores = self.bm25.get_scores(q)
        order = scores.argsort()[::-1][:n]
        return [(self.ids[i], float(scores[i])) for i in order if scores[i] > 0]


class Bm25sIndex(Index):
    """An Index whose lexical half is a fixed Bm25s object."""

    def __init__(self, index: Index, old: Bm25s):
        super().__init__(index.store, index.embedder, Path(tempfile.mkdtemp()))
        self.old = old

    def lexical(self, docs: dict[str, DocRecord]) -> Any:  # type: ignore[override]
        return self.old


def run(ctx: Context, size: int | None = None) -> Result:
    size = size or (10_000 if ctx.quick else 100_000)
    s = ctx.settings(workspace=ctx.tmp / "lexical-ws")
    index = app.open_index(s, ctx.seeds_index().embedder)
    progress(f"lexical: writing {size:,} synthetic chunks")
    with Stopwatch() as w:
        Writer(index.store, Recombiner(SEEDS, seed=99)).fill(size)
    docs = index.documents()
    versions = {d: r.version for d, r in docs.items()}
    r = Result(data={"chunks": size, "write_s": w.s})
    progress("lexical: before (bm25s)")
    with Stopwatch() as old_build:
        old = Bm25s(list(index.store.iter_chunks(versions)))
    d = ctx.tmp / "bm25s"
    old.bm25.save(str(d))
    with Stopwatch() as old_load:
        import bm25s

        bm25s.BM25.load(str(d))
    shutil.rmtree(d, ignore_errors=True)
    progress("lexical: after (incremental)")
    with Stopwatch() as new_build:
        index.lexical(docs)
    with Stopwatch() as new_load:
        fresh = app.open_index(s, index.embedder)
        fresh._lexical = lexical_files.load(fresh._dir)
        fresh.lexical(fresh.documents())
    add_s, remove_s = _update(fresh, Recombiner(SEEDS, seed=5))
    before, after = Bm25sIndex(fresh, old), fresh
    questions = [c.question for c in ctx.question_cases()]
    queries = [questions[i % len(questions)] for i in range(40)]
    progress("lexical: retrieval with each index")
    m_old, m_new = measure(before, queries, s.k), measure(after, queries, s.k)
    m_fused = measure(after, queries, s.k, Weights(rerank=False))  # the fused top k alone, no re-ranked pool
    same = sum(top_ids(before, q, s.k) == top_ids(after, q, s.k) for q in queries)
    same_scores = sum(np.allclose([x for _, x in old.search(q, 24)], [x for _, x in fresh.lexical(docs).search(q, 24)],
                                  rtol=1e-4) for q in queries)
    r.data.update(before={"build_s": old_build.s, "load_s": old_load.s, **m_old},
                  after={"build_s": new_build.s, "load_s": new_load.s, "add_s": add_s, "remove_s": remove_s, **m_new},
                  same_top_k=same, same_lexical_scores=same_scores, queries=len(queries))
    t = Table(f"lexical index at {size:,} chunks: before (bm25s, rebuilt) vs after (incremental, on disk)",
              ["", "build from store s", "load s", "add 1 article s", "remove 1 article s", "retrieval p50 ms",
               "p95 ms", "bm25 p50 ms"])
    t.add("before", old_build.s, old_load.s, old_build.s, old_build.s, m_old["p50_ms"], m_old["p95_ms"], m_old["bm25_p50_ms"])
    t.add("after", new_build.s, new_load.s, add_s, remove_s, m_new["p50_ms"], m_new["p95_ms"], m_new["bm25_p50_ms"])
    t.add("after, no re-ranked pool", None, None, None, None, m_fused["p50_ms"], m_fused["p95_ms"], m_fused["bm25_p50_ms"])
    r.tables.append(t)
    r.data["after_no_pool"] = m_fused
    r.notes.append(f"same top-{s.k} with both indexes for {same}/{len(queries)} queries; the 24 best lexical scores are "
                   f"the same for {same_scores}/{len(queries)} (where ids differ, only the order of tied chunks does: "
                   "bm25s breaks ties by position in memory, the new index by chunk id, the same in every process)")
    r.notes.append("before, every update is a rebuild (the build column) in every process; after, load = a fresh "
                   "index object reading the files and checking the registry")
    return r


def _update(index: Index, rec: Recombiner) -> tuple[float, float]:
    """Seconds to bring the index up to date after one article is written, then after it is removed
    (the store's write itself is not counted)."""
    text = rec.article()
    title, body = text.split("\n", 1)
    from rag.ingest.chunk import chunk_document

    chunks = chunk_document("bench_new", title, body.strip(), 128, 24)
    vecs = np.random.default_rng(1).standard_normal((len(chunks), 384)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    meta = {"title": title, "version": "v-new", "sha256": "x", "source_path": "/bench/new.txt",
            "ingested_at": "2025-01-01T00:00:00+00:00", "n_chunks": len(chunks), "n_tokens": 128 * len(chunks)}
    index.store.put_document(Document("bench_new", title, body, "/bench/new.txt", "x", None, None), chunks, vecs, meta)
    with Stopwatch() as add:
        lex: Lexical = index.lexical(index.documents())
    assert "bench_new" in lex.versions
    index.store.remove_document("bench_new")
    with Stopwatch() as remove:
        lex = index.lexical(index.documents())
    assert "bench_new" not in lex.versions
    return add.s, remove.s


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.lexical", description=__doc__.splitlines()[0])
    p.add_argument("--chunks", type=int, default=100_000, help="store size (default 100,000)")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="rag-bench-lexical-") as tmp:
        t0 = time.perf_counter()
        result = run(Context(quick=True, tmp=Path(tmp)), args.chunks)
    for t in result.tables:
        print(render(t) + "\n")
    for n in result.notes:
        print(f"note: {n}")
    print(f"({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
