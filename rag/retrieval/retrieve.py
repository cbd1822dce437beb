"""Hybrid retrieval: dense (Chroma) + lexical (BM25) fused with reciprocal rank fusion, a pool of the
best fused candidates re-ranked (`rag.retrieval.rerank`: whether a passage states the year, quarter, season or
edition the question asks, weighed by the question's names, and holds a candidate of the asked type),
then a per-story cap so one article or one cluster of near-duplicate articles cannot fill the context.

Reads the document registry on every query (cheap), so several app processes sharing one Chroma
server all see the same index; the BM25 index follows the registry by document version, updated in
place (rag.retrieval.lexical) and saved in the workspace (rag.retrieval.lexical_files).
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

from rag.backends.chroma import Store
from rag.backends.embed import Embedder
from rag.core.types import Chunk, DocRecord, Hit
from rag.retrieval import lexical_files
from rag.retrieval.lexical import Lexical
from rag.retrieval.rerank import RerankWeights, SentenceVectors, rerank

log = logging.getLogger(__name__)

RRF_K = 60
CANDIDATES = 24


@dataclass(frozen=True)
class Weights:
    dense: float = 0.5  # measured: bench/retrieval_sweep.py (ans@4 0.93 -> 1.00 vs equal weights)
    lexical: float = 1.0
    per_story: int = 3  # at most this many chunks of one story (a document and its near-duplicates)
    rerank: bool = True  # re-rank a pool of fused candidates (rag.retrieval.rerank) before the cap and the cut to k
    # The pool is the best `pool` of the union of both rankings (CANDIDATES each: up to 48). Longer
    # rankings (40 each) changed the fusion itself and lost wikinews-dev story titles (hit@4 0.956 ->
    # 0.933); rgb-dev was the same at pools of 24, 40 and 50 (bench/rerank_sweep.py).
    pool: int = 40
    finer: RerankWeights = RerankWeights()


class Index:
    """The store, the embedder and the BM25 index, kept in step with each other."""

    def __init__(self, store: Store, embedder: Embedder, cache_dir: Path):
        self.store, self.embedder, self._dir = store, embedder, cache_dir / "lexical"
        self._lexical: Lexical | None = None
        self._lexical_lock = threading.Lock()  # one sync (and compaction, save) at a time per process
        self.sentences = SentenceVectors(embedder.embed)

    def documents(self) -> dict[str, DocRecord]:
        return self.store.documents()

    def lexical(self, docs: dict[str, DocRecord]) -> Lexical:
        """The BM25 index, loaded from the workspace once, then brought up to date with `docs`."""
        with self._lexical_lock:
            return self._synced_lexical(docs)

    def _synced_lexical(self, docs: dict[str, DocRecord]) -> Lexical:
        if self._lexical is None:
            self._lexical = lexical_files.load(self._dir) or Lexical()
        lex = self._lexical
        versions = {d: r.version for d, r in docs.items()}
        if lex.sync(versions, self.store.chunks_of, {d: r.n_chunks for d, r in docs.items()}):
            if lex.needs_compaction():
                self._lexical = lex = lex.compacted()
            try:
                lexical_files.save(self._dir, lex)
            except OSError as e:  # a read-only workspace: the index works from memory
                log.warning("cannot save the lexical index in %s: %s", self._dir, e)
        return lex


def retrieve(index: Index, query: str, k: int, doc_ids: Sequence[str] | None = None,
             weights: Weights = Weights(), mode: str = "hybrid",
             all_docs: dict[str, DocRecord] | None = None) -> list[Hit]:
    """The k best chunks for `query`, optionally only from `doc_ids`; mode: hybrid | dense | lexical.

    `all_docs` is the registry when the caller has just read it (saves a second read per query).
    """
    all_docs = index.documents() if all_docs is None else all_docs
    docs = {d: r for d, r in all_docs.items() if d in set(doc_ids)} if doc_ids else all_docs
    if not docs:
        return []
    versions = {d: r.version for d, r in docs.items()}
    dense: list[tuple[Chunk, float]] = []
    lexical: list[tuple[str, float]] = []
    wants_vector = mode in ("hybrid", "dense") or (weights.rerank and weights.finer.sentence > 0)
    qvec = index.embedder.embed([query])[0] if wants_vector else None
    if mode in ("hybrid", "dense"):
        dense = index.store.dense_search(qvec, CANDIDATES, versions, list(docs) if doc_ids else None)
    if mode in ("hybrid", "lexical"):
        lexical = index.lexical(all_docs).search(query, CANDIDATES, list(docs) if doc_ids else None)
    chunks = _chunks_by_id(index, dense, lexical, versions)
    if not weights.rerank:
        return fuse(dense, lexical, chunks, docs, k, weights)
    n = max(weights.pool, k)
    pool = fuse(dense, lexical, chunks, docs, n, replace(weights, per_story=n))
    dates = {h.chunk.doc_id: docs[h.chunk.doc_id].date for h in pool}
    return cap(rerank(query, qvec, pool, index.sentences, dates, weights.finer), docs, k, weights.per_story)


def _chunks_by_id(index: Index, dense: list[tuple[Chunk, float]], lexical: list[tuple[str, float]],
                  versions: dict[str, str]) -> dict[str, Chunk]:
    """Chunk objects for every candidate; lexical-only candidates are read from the store."""
    known = {c.chunk_id: c for c, _ in dense}
    missing = [cid for cid, _ in lexical if cid not in known]
    if missing:
        known.update(index.store.get_chunks(missing, versions))
    return known


def fuse(dense: list[tuple[Chunk, float]], lexical: list[tuple[str, float]], chunks: dict[str, Chunk],
         docs: dict[str, DocRecord], k: int, weights: Weights) -> list[Hit]:
    """Reciprocal rank fusion of the two rankings, then the per-story cap."""
    scores: dict[str, float] = {}
    dense_rank = {c.chunk_id: r for r, (c, _) in enumerate(dense, 1)}
    lex_rank = {cid: r for r, (cid, _) in enumerate(lexical, 1)}
    similarity = {c.chunk_id: s for c, s in dense}
    for cid, r in dense_rank.items():
        scores[cid] = scores.get(cid, 0.0) + weights.dense / (RRF_K + r)
    for cid, r in lex_rank.items():
        scores[cid] = scores.get(cid, 0.0) + weights.lexical / (RRF_K + r)
    ranked = [Hit(chunks[cid], scores[cid], dense_rank.get(cid), lex_rank.get(cid), similarity.get(cid))
              for cid in sorted(scores, key=lambda c: (-scores[c], c))
              if cid in chunks and chunks[cid].doc_id in docs]
    return cap(ranked, docs, k, weights.per_story)


def cap(hits: Sequence[Hit], docs: dict[str, DocRecord], k: int, per_story: int) -> list[Hit]:
    """The first k hits, at most `per_story` of one story (a document and its near-duplicates)."""
    out, seen = [], {}
    for h in hits:
        story = docs[h.chunk.doc_id].cluster
        if seen.get(story, 0) >= per_story:
            continue
        seen[story] = seen.get(story, 0) + 1
        out.append(h)
        if len(out) >= k:
            break
    return out
