"""Section "retrieval": latency of hybrid retrieval (`rag.retrieval.retrieve.retrieve`) as the index grows,
1k -> 10k -> 100k chunks (quick: 1k and 10k), with a split into its parts and the cost growth.

The chunks are synthetic: passages recombined from seeds/ (so BM25 has real words to match) with
random unit vectors as embeddings, written in bulk into the real Chroma collections with the same
record layout as `Store.put_document` (embedding 100k texts would take the whole budget). The query
is embedded for real. Dense results are therefore random neighbours: this measures time, not quality.
"""
from __future__ import annotations

import time
from typing import Any

import numpy as np

from bench.context import SEEDS, Context
from bench.corpus import Recombiner
from bench.report import Result, Stopwatch, Table, percentile, progress
from rag import desk as app
from rag.backends.chroma import _chunk_meta  # the store's own layout for chunk records
from rag.core.types import Chunk
from rag.ingest import dedup
from rag.retrieval.retrieve import CANDIDATES, Weights, retrieve

CHUNKS_PER_DOC = 10
BATCH = 5000


def run(ctx: Context) -> Result:
    sizes = (1_000, 10_000) if ctx.quick else (1_000, 10_000, 100_000)
    n_queries = 40
    s = ctx.settings(workspace=ctx.tmp / "retrieval-ws")
    index = app.open_index(s, ctx.seeds_index().embedder)
    writer = Writer(index.store, Recombiner(SEEDS, seed=99))
    questions = [c.question for c in ctx.question_cases()]
    queries = [questions[i % len(questions)] for i in range(n_queries)]
    r = Result()
    t = Table(f"hybrid retrieval latency, k={s.k}, {n_queries} queries per size (ms)",
              ["chunks", "documents", "p50", "p95", "mean", "registry p50", "embed p50", "dense p50",
               "bm25 p50", "bm25 build s", "write s"])
    for size in sizes:
        progress(f"retrieval: writing synthetic chunks up to {size:,}")
        with Stopwatch() as w:
            writer.fill(size)
        with Stopwatch() as build:
            retrieve(index, queries[0], s.k)  # first query builds the BM25 index for this size
        m = measure(index, queries, s.k)
        m.update(chunks=size, documents=size // CHUNKS_PER_DOC, write_s=w.s, bm25_build_s=build.s)
        r.data[str(size)] = m
        ctx.shared[f"retrieval_{size}"] = m  # the embedded figure the scale-out section compares with
        t.add(size, size // CHUNKS_PER_DOC, m["p50_ms"], m["p95_ms"], m["mean_ms"], m["registry_p50_ms"],
              m["embed_p50_ms"], m["dense_p50_ms"], m["bm25_p50_ms"], build.s, w.s)
    r.tables.append(t)
    ctx.shared["retrieval_store"] = {"chunks": sizes[-1], "path": s.store_dir,
                                     "hits": [top_ids(index, q, s.k) for q in queries]}
    lo, hi = str(sizes[0]), str(sizes[-1])
    growth = {q: r.data[hi][f"{q}_ms"] / r.data[lo][f"{q}_ms"] for q in ("p50", "p95")}
    r.data["growth"] = {"from": sizes[0], "to": sizes[-1], **growth}
    r.notes.append(f"cost growth {sizes[-1] // sizes[0]}x chunks: p50 x{growth['p50']:.1f}, p95 x{growth['p95']:.1f}")
    r.notes.append("chunks are synthetic (seed sentences recombined) with random unit-vector embeddings written in "
                   "bulk; queries are the seed questions, embedded for real")
    return r


def top_ids(index: Any, query: str, k: int) -> list[str]:
    return [h.chunk.chunk_id for h in retrieve(index, query, k)]


def measure(index: Any, queries: list[str], k: int, weights: Weights = Weights()) -> dict[str, float]:
    """End-to-end `retrieve` timings, then each part timed on its own."""
    total, registry, embed, dense, bm25 = [], [], [], [], []
    for q in queries:
        t0 = time.perf_counter()
        retrieve(index, q, k, weights=weights)
        total.append((time.perf_counter() - t0) * 1000)
    for q in queries:
        t0 = time.perf_counter()
        docs = index.documents()
        t1 = time.perf_counter()
        vec = index.embedder.embed([q])[0]
        t2 = time.perf_counter()
        index.store.dense_search(vec, CANDIDATES, {d: r.version for d, r in docs.items()})
        t3 = time.perf_counter()
        index.lexical(docs).search(q, CANDIDATES)
        t4 = time.perf_counter()
        for xs, a, b in ((registry, t0, t1), (embed, t1, t2), (dense, t2, t3), (bm25, t3, t4)):
            xs.append((b - a) * 1000)
    return {"p50_ms": percentile(total, 50), "p95_ms": percentile(total, 95), "mean_ms": sum(total) / len(total),
            "registry_p50_ms": percentile(registry, 50), "embed_p50_ms": percentile(embed, 50),
            "dense_p50_ms": percentile(dense, 50), "bm25_p50_ms": percentile(bm25, 50)}


class Writer:
    """Grows a store with synthetic documents of CHUNKS_PER_DOC chunks each."""

    def __init__(self, store: Any, rec: Recombiner):
        self.store, self.rec, self.n = store, rec, 0
        self.rng = np.random.default_rng(7)
        self.minhash = dedup.encode(dedup.signature(rec.article()))  # a real signature's size

    def fill(self, total: int) -> None:
        while self.n < total:
            self._write(min(BATCH, total - self.n))

    def _write(self, n: int) -> None:
        chunks, docs = [], {}
        for i in range(self.n, self.n + n):
            doc_id, pos = f"syn_{i // CHUNKS_PER_DOC:06d}", i % CHUNKS_PER_DOC
            text = self.rec.passage()
            start = sum(len(c.text) + 1 for c in docs.get(doc_id, []))
            c = Chunk(f"{doc_id}:{pos}", doc_id, pos, start, start + len(text), text, f"Synthetic story {doc_id}", 128)
            chunks.append(c)
            docs.setdefault(doc_id, []).append(c)
        vecs = self.rng.standard_normal((n, 384)).astype(np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        col = self.store._chunks
        col.add(ids=[f"{c.chunk_id}@v1" for c in chunks], embeddings=vecs, documents=[c.text for c in chunks],
                   metadatas=[_chunk_meta(c, "v1") for c in chunks])
        ids = list(docs)
        meta = [{"title": f"Synthetic story {d}", "version": "v1", "sha256": d, "source_path": f"/synthetic/{d}.txt",
                 "ingested_at": "2025-01-01T00:00:00+00:00", "n_chunks": len(docs[d]), "n_tokens": 128 * len(docs[d]),
                 "minhash": self.minhash} for d in ids]
        dvecs = self.rng.standard_normal((len(ids), 384)).astype(np.float32)
        dvecs /= np.linalg.norm(dvecs, axis=1, keepdims=True)
        self.store._docs.add(ids=ids, embeddings=dvecs, documents=[" ".join(c.text for c in docs[d]) for d in ids],
                                metadatas=meta)
        self.store.touch()
        self.n += n
