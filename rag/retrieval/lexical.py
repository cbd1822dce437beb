"""BM25 over the current chunks, updated in place: adding or removing an article touches only its
own chunks, so no process rebuilds the index from scratch after a write.

The index is a base segment (postings of every term, read from a file in one go) plus the articles
added since (a dictionary of postings) and a mask of removed rows; `compacted()` folds all of it
into a new base. `sync` brings it in step with the store's registry: articles whose version changed
or that are gone are removed, new versions are fetched and added. It derives everything from the
store's chunks, so several processes over one Chroma server agree however their caches differ.
Scores are bm25s's Lucene variant with its defaults (k1 1.5, b 0.75), which the index used before:
`tests/test_lexical.py` compares them with bm25s on real articles.

Does not talk to Chroma (the caller hands `sync` a fetch function) and does not read or write
files (rag.retrieval.lexical_files).
"""
from __future__ import annotations

import math
import re
import threading
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import numpy as np

from rag.core.types import Chunk

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
STOPWORDS = frozenset(
    "a an the and or but if of to in on at by for with from as is are was were be been being it its this that "
    "these those there their they them he she his her we our you your i me my not no do does did have has had "
    "will would can could should may might must shall so than then too very also just about into over after "
    "before between during what which who whom whose when where why how s t".split()
)
K1, B = 1.5, 0.75  # bm25s's defaults, the index's scoring before it was made incremental
# Fold the added and removed rows into a new base when they exceed this many rows or this share of
# the base. At 100k chunks a compaction takes ~1 s and the pending rows are saved as JSON on every
# update (5,000 rows ~ 3 MB, ~60 ms); see bench/lexical.py.
COMPACT_ROWS, COMPACT_SHARE = 2000, 0.05

ChunkTerms = tuple[str, int, dict[str, int]]  # (chunk id, length in tokens, term -> frequency)
Fetch = Callable[[dict[str, str]], Iterable[Chunk]]  # versions wanted -> their current chunks


def tokens(text: str) -> list[str]:
    """Lower-cased words without stopwords, with possessives and simple plurals folded."""
    out = []
    for w in _WORD.findall(text.lower()):
        w = w.removesuffix("'s")
        if w in STOPWORDS:
            continue
        if len(w) > 4 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        out.append(w)
    return out


def chunk_terms(c: Chunk) -> ChunkTerms:
    words = tokens(f"{c.title}\n{c.text}")
    return c.chunk_id, max(len(words), 1), dict(Counter(words))  # an empty chunk counts as one token, as in bm25s


@dataclass(frozen=True)
class Segment:
    """An immutable base: postings sorted by term (`ptr` into `rows`/`tf`) and the rows' chunks."""

    name: str  # a unique file name, so processes never overwrite each other's bases
    terms: list[str]
    ptr: np.ndarray  # int64, len(terms) + 1
    rows: np.ndarray  # int32
    tf: np.ndarray  # uint16
    ids: list[str]
    lengths: np.ndarray  # int32, per row
    docs: list[tuple[str, str, int, int]]  # (doc_id, version, first row, number of rows)


class Lexical:
    """A BM25 index over chunk ids; `search` returns (chunk_id, score), best first."""

    def __init__(self, base: Segment | None = None):
        self.base = base
        self._vocab = {t: i for i, t in enumerate(base.terms)} if base else {}
        self._ptr = base.ptr if base else np.zeros(1, np.int64)
        self._prow = base.rows if base else np.zeros(0, np.int32)
        self._ptf = base.tf if base else np.zeros(0, np.uint16)
        self._ids: list[str] = list(base.ids) if base else []
        self._lengths = base.lengths.astype(np.float64) if base else np.zeros(0)
        self._live = np.ones(len(self._ids), bool)
        self._docs: dict[str, tuple[str, int, int]] = {d: (v, s, n) for d, v, s, n in (base.docs if base else [])}
        self._base_rows = len(self._ids)
        self._extra: dict[str, tuple[list[int], list[int]]] = {}  # postings of rows added since the base
        self.added: dict[str, tuple[str, list[ChunkTerms]]] = {}  # docs added since the base (saved as JSON)
        self.removed: set[str] = set()  # base docs removed since
        self._dead_base = 0
        self._n_live, self._len_live = len(self._ids), float(self._lengths.sum())
        self._synced: dict[str, str] | None = None
        self._lock = threading.RLock()  # a chat query may search while an upload's ingest syncs

    @property
    def versions(self) -> dict[str, str]:
        return {d: v for d, (v, _, _) in self._docs.items()}

    def __len__(self) -> int:
        return self._n_live

    # updating ------------------------------------------------------------------------------------
    def add(self, doc_id: str, version: str, rows: Sequence[ChunkTerms]) -> None:
        """Add a document's chunks (a document already present is replaced)."""
        with self._lock:
            self._add(doc_id, version, rows)

    def _add(self, doc_id: str, version: str, rows: Sequence[ChunkTerms]) -> None:
        if doc_id in self._docs:
            self.remove(doc_id)
        first = len(self._ids)
        for i, (cid, length, tf) in enumerate(rows, first):
            self._ids.append(cid)
            for term, f in tf.items():
                posting = self._extra.setdefault(term, ([], []))
                posting[0].append(i)
                posting[1].append(f)
        lengths = np.array([r[1] for r in rows], np.float64)
        self._lengths = np.concatenate([self._lengths, lengths])
        self._live = np.concatenate([self._live, np.ones(len(rows), bool)])
        self._n_live += len(rows)
        self._len_live += float(lengths.sum())
        self._docs[doc_id] = (version, first, len(rows))
        self.added[doc_id] = (version, list(rows))

    def remove(self, doc_id: str) -> None:
        with self._lock:
            self._remove(doc_id)

    def _remove(self, doc_id: str) -> None:
        if doc_id not in self._docs:
            return
        _, first, n = self._docs.pop(doc_id)
        self._live[first : first + n] = False
        self._n_live -= n
        self._len_live -= float(self._lengths[first : first + n].sum())
        if self.added.pop(doc_id, None) is None:
            self.removed.add(doc_id)
            self._dead_base += n

    def sync(self, versions: dict[str, str], fetch: Fetch, expected: dict[str, int] | None = None) -> bool:
        """Follow the registry (doc_id -> version); True when something changed.

        A document fetched with fewer chunks than `expected` (a write or removal raced the read) is
        kept under an empty version, so the next sync fetches it again."""
        with self._lock:
            return self._sync(versions, fetch, expected)

    def _sync(self, versions: dict[str, str], fetch: Fetch, expected: dict[str, int] | None) -> bool:
        if versions == self._synced:
            return False
        gone = [d for d, (v, _, _) in self._docs.items() if versions.get(d) != v]
        for d in gone:
            self.remove(d)
        wanted = {d: v for d, v in versions.items() if d not in self._docs}
        got: dict[str, list[Chunk]] = {}
        for c in fetch(wanted) if wanted else ():
            got.setdefault(c.doc_id, []).append(c)
        for d, v in wanted.items():
            chunks = sorted(got.get(d, []), key=lambda c: c.position)
            whole = len(chunks) >= (expected or {}).get(d, 0)
            self.add(d, v if whole else "", [chunk_terms(c) for c in chunks])
        self._synced = dict(versions)
        return bool(gone or wanted)

    def pending_rows(self) -> int:
        """Rows not yet in the base: added ones, and the base's removed ones."""
        return len(self._ids) - self._base_rows + self._dead_base

    def needs_compaction(self) -> bool:
        return self.pending_rows() > max(COMPACT_ROWS, COMPACT_SHARE * self._base_rows)

    # searching -----------------------------------------------------------------------------------
    def search(self, query: str, n: int, allowed: Sequence[str] | None = None) -> list[tuple[str, float]]:
        """The n best chunks for `query` (only from documents in `allowed`, when given)."""
        with self._lock:
            return self._search(query, n, allowed)

    def _search(self, query: str, n: int, allowed: Sequence[str] | None) -> list[tuple[str, float]]:
        if not self._n_live:
            return []
        avgdl = self._len_live / self._n_live
        scores: np.ndarray | None = None
        for term, weight in Counter(tokens(query)).items():  # a repeated word counts again, as in bm25s
            rows, tf = self._postings(term)
            if not rows.size:
                continue
            if scores is None:
                scores = np.zeros(len(self._ids))
            idf = math.log(1 + (self._n_live - rows.size + 0.5) / (rows.size + 0.5))
            norm = K1 * (1 - B + B * self._lengths[rows] / avgdl)
            scores[rows] += weight * idf * tf / (norm + tf)
        if scores is None:
            return []
        cand = np.flatnonzero(scores > 0)
        if allowed is not None:
            cand = np.intersect1d(cand, self._rows_of(allowed), assume_unique=True)
        if cand.size > n:  # the n best, and every row tied with the last of them
            kth = np.partition(scores[cand], cand.size - n)[cand.size - n]
            cand = cand[scores[cand] >= kth]
        best = sorted(cand.tolist(), key=lambda r: (-scores[r], self._ids[r]))[:n]  # ties: by chunk id
        return [(self._ids[r], float(scores[r])) for r in best]

    def _postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """Live rows holding `term` and its frequency in each."""
        rows, tf = np.zeros(0, np.int64), np.zeros(0)
        t = self._vocab.get(term)
        if t is not None:
            s, e = self._ptr[t], self._ptr[t + 1]
            rows, tf = self._prow[s:e].astype(np.int64), self._ptf[s:e].astype(np.float64)
        extra = self._extra.get(term)
        if extra:
            rows = np.concatenate([rows, np.asarray(extra[0], np.int64)])
            tf = np.concatenate([tf, np.asarray(extra[1], np.float64)])
        live = self._live[rows]
        return rows[live], tf[live]

    def _rows_of(self, doc_ids: Sequence[str]) -> np.ndarray:
        spans = [self._docs[d] for d in set(doc_ids) if d in self._docs]
        return np.array(sorted(r for _, s, n in spans for r in range(s, s + n)), np.int64)

    # compaction ----------------------------------------------------------------------------------
    def compacted(self) -> "Lexical":
        """The same index with everything in one new base (dead rows and unused terms dropped)."""
        with self._lock:
            return self._compacted()

    def _compacted(self) -> "Lexical":
        live = self._live
        new_row = np.cumsum(live) - 1
        terms = list(self.base.terms) if self.base else []
        index = dict(self._vocab)
        term_of = np.repeat(np.arange(len(terms), dtype=np.int64), np.diff(self._ptr))
        keep = live[self._prow]
        parts_t, parts_r, parts_f = [term_of[keep]], [self._prow[keep].astype(np.int64)], [self._ptf[keep]]
        for term, (rows, tfs) in self._extra.items():
            tid = index.setdefault(term, len(terms))
            if tid == len(terms):
                terms.append(term)
            r = np.asarray(rows, np.int64)
            k = live[r]
            parts_t.append(np.full(int(k.sum()), tid, np.int64))
            parts_r.append(r[k])
            parts_f.append(np.minimum(np.asarray(tfs, np.int64)[k], 65535).astype(np.uint16))
        t, r, f = np.concatenate(parts_t), new_row[np.concatenate(parts_r)], np.concatenate(parts_f)
        counts = np.bincount(t, minlength=len(terms))
        used = counts > 0
        t = (np.cumsum(used) - 1)[t]
        order = np.lexsort((r, t))
        docs = sorted(((d, v, int(new_row[s]) if n else 0, n) for d, (v, s, n) in self._docs.items()),
                      key=lambda x: x[2])
        seg = Segment(f"base-{uuid.uuid4().hex[:12]}.npz", [w for w, u in zip(terms, used) if u],
                      np.concatenate([[0], np.cumsum(counts[used])]).astype(np.int64), r[order].astype(np.int32),
                      f[order], [c for c, alive in zip(self._ids, live) if alive],
                      self._lengths[live].astype(np.int32), docs)
        out = Lexical(seg)
        out._synced = self._synced
        return out
