"""Stories: articles about one event, grouped incrementally, and what a story shows (label, outlets,
date span, articles).

Grouping is average-linkage clustering kept up to date: each new article opens a story of its own
(a near-duplicate joins its original's), then the closest pair of stories of which one is new or
grew is merged while that pair is at least SIMILARITY alike on average over its article pairs (so
an article joins the story it is closest to on average, and two stories that a new article bridges
become one). Similarity is a mix of two cosines: the articles' lead vectors (what their opening
says: the first two chunks' embeddings, rag.backends.chroma, written with the article) and their
names (capitalised names and acronyms, weighted by rarity, `idf`). Stories are kept as sums of their members' vectors and names,
so a story-to-story average is one dot product; a new article costs one pass over the stories, not
a regrouping. An article never leaves its story except when the whole story merges into another;
the survivor keeps its id (an id issued before wins over a new one, then the larger story), and the
retired id is still its first article's id (rag.retrieval.story_index.resolve finds the story).
An article more than DATE_WINDOW_DAYS outside a story's known date span does not join it.

Measured on wikinews-dev (101 articles, 45 gold stories; bench/stories.py, B-cubed F1): the old
rule (attach to the best story, never merge; document vectors + names) 0.873 in id order, 0.867-0.895
over ingest orders; with the merge step, title+lead vectors + names: 0.908 from scratch in any order
(0.897-0.908 for thresholds 0.20-0.2375), 0.889-0.916 adding articles one at a time in 6 orders
(mean 0.902). Document vectors instead of lead vectors: 0.885-0.891 at best. Those lead vectors were a
title+600-character embedding of their own; the first two chunks' vectors that replaced them (no
embedding at grouping time) score 0.905 from scratch, 0.894 one at a time. Does not read the store
or persist anything (see rag.retrieval.story_index).
"""
from __future__ import annotations

import heapq
import math
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Mapping, Sequence

import numpy as np

from rag.core.types import DocRecord, Story
from rag.text.words import CALENDAR, key_terms

# merge threshold: middle of the 0.20-0.25 band where grouping wikinews-dev from scratch scores F1 0.888-0.908
# (0.225: 0.908; one article at a time, 6 orders: 0.889-0.916); 0.175 merges too much (0.871), 0.275 too little
SIMILARITY = 0.225
NAME_WEIGHT = 0.5  # share of the names' cosine in the similarity; 0.4 scores 0.900-0.901 at 0.225-0.25 (0.5: 0.908)
BLOCK = 256  # stories whose first nearest are found by one matrix product
DATE_WINDOW_DAYS = 30  # a guard, not a tuned value: the same kind of event a month apart is another story
LABEL_WORDS = 10


@dataclass(frozen=True)
class Article:
    """What grouping sees of one article: a unit vector, its names, its date and original (if a copy)."""

    doc_id: str
    vector: np.ndarray
    names: frozenset[str]
    date: str | None = None
    duplicate_of: str | None = None


def name_terms(title: str, text: str) -> frozenset[str]:
    """The article's names and acronyms, lower-cased (numbers and month or day names left out)."""
    return frozenset(t for t in key_terms(f"{title}\n{text}") if not t[0].isdigit() and t not in CALENDAR)


def _day(iso: str | None) -> int | None:
    try:
        return date.fromisoformat(iso[:10]).toordinal() if iso else None
    except ValueError:
        return None


class _Stories:
    """Running sums per story (vectors, names), the members' idf-weighted names (an inverted index),
    date spans, and which story each slot now belongs to (`root`: a merged story points to its survivor)."""

    def __init__(self, dim: int, capacity: int, idf: Mapping[str, float]):
        cap = max(capacity, 1)
        self.vsum = np.zeros((cap, dim), dtype=np.float32)
        self.count = np.zeros(cap, dtype=np.int64)
        self.nsum: list[dict[str, float]] = []  # per story: the sum of its members' name weights
        self.postings: dict[str, tuple[list[int], list[float]]] = {}  # name -> (slot, weight) per member
        self.packs: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # the same as arrays, until the name's next member
        self.lo = np.full(cap, np.iinfo(np.int64).min // 2, dtype=np.int64)  # no date: no bound
        self.hi = np.full(cap, np.iinfo(np.int64).max // 2, dtype=np.int64)
        self.dated = np.zeros(cap, dtype=bool)
        self.root = np.arange(cap)
        self.ids: list[str] = []
        self.where: dict[str, int] = {}
        self.idf = idf
        self.issued = 0  # stories before this slot had ids before this grouping

    def weights(self, names: frozenset[str]) -> dict[str, float]:
        w = {t: self.idf.get(t, 0.0) for t in names}
        norm = math.sqrt(sum(x * x for x in w.values())) or 1.0
        return {t: x / norm for t, x in w.items() if x > 0}

    def add(self, story_id: str, a: Article, names: dict[str, float]) -> int:
        k = self.where.get(story_id)
        if k is None:
            k = self.where[story_id] = len(self.ids)
            self.ids.append(story_id)
            self.nsum.append({})
        self.vsum[k] += a.vector
        self.count[k] += 1
        for t, x in names.items():
            slots, weights = self.postings.setdefault(t, ([], []))
            slots.append(k)
            weights.append(x)
            self.packs.pop(t, None)
            self.nsum[k][t] = self.nsum[k].get(t, 0.0) + x
        d = _day(a.date)
        if d is not None:
            self._span(k, d, d)
        return k

    def _span(self, k: int, lo: int, hi: int) -> None:
        first = not self.dated[k]
        self.lo[k] = lo if first else min(self.lo[k], lo)
        self.hi[k] = hi if first else max(self.hi[k], hi)
        self.dated[k] = True

    def _packed(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        if name not in self.packs:
            slots, weights = self.postings[name]
            self.packs[name] = (np.asarray(slots, dtype=np.int64), np.asarray(weights))
        return self.packs[name]

    def scores(self, vector: np.ndarray, names: Mapping[str, float], lo: int | None, hi: int | None,
               weight: float, dense: np.ndarray | None = None) -> np.ndarray:
        """Average similarity of every story to a group with these summed `vector` and `names` (one
        article, or a story's sums; the caller divides by the group's size); -1 where dates rule it out."""
        n = len(self.ids)
        packed = [(self._packed(t), x) for t, x in names.items() if t in self.postings]
        if packed:  # one numpy array per name, cached between additions: gathering lists cost 40% of the time
            ks = self.root[np.concatenate([p[0] for p, _ in packed])]
            named = np.bincount(ks, np.concatenate([p[1] * x for p, x in packed]), minlength=n)
        else:
            named = np.zeros(n)
        # einsum, not `@`: a matrix-vector product per article is too small for BLAS threads, which cost
        # 40x more than the product on a busy machine (measured: 3.9 ms vs 0.09 ms at 3,000 stories)
        dense = np.einsum("ij,j->i", self.vsum[:n], vector) if dense is None else dense
        count = self.count[:n]
        score = np.where(count > 0, ((1 - weight) * dense + weight * named) / np.maximum(count, 1), -1.0)
        if lo is not None and hi is not None:
            outside = (lo > self.hi[:n] + DATE_WINDOW_DAYS) | (hi < self.lo[:n] - DATE_WINDOW_DAYS)  # spans' gap
            score[outside] = -1.0
        return score

    def nearest(self, k: int, weight: float, dense: np.ndarray | None = None) -> tuple[int, float]:
        """The other story closest to story `k` on average over their article pairs, and that similarity
        (`dense`: the vector sums' dot products with k's, when computed already)."""
        span = (int(self.lo[k]), int(self.hi[k])) if self.dated[k] else (None, None)
        score = self.scores(self.vsum[k], self.nsum[k], *span, weight, dense) / self.count[k]
        score[k] = -1.0
        j = int(np.argmax(score))
        return j, float(score[j])

    def merge(self, k: int, j: int) -> int:
        """Fold one of stories `k`, `j` into the other: a story that had an id before this grouping
        keeps it over one opened now, then the larger one, then the older; returns the survivor."""
        keep, gone = sorted((k, j), key=lambda x: (x >= self.issued, -self.count[x], x))
        self.vsum[keep] += self.vsum[gone]
        self.count[keep] += self.count[gone]
        self.vsum[gone] = 0.0
        self.count[gone] = 0
        for t, x in self.nsum[gone].items():
            self.nsum[keep][t] = self.nsum[keep].get(t, 0.0) + x
        self.nsum[gone] = {}
        if self.dated[gone]:
            self._span(keep, int(self.lo[gone]), int(self.hi[gone]))
        self.root[self.root == gone] = keep
        self.where[self.ids[gone]] = keep
        return keep

    def repair(self, touched: set[int], threshold: float, weight: float) -> None:
        """Merge the closest pair of stories, one of them touched, while that pair is at least
        `threshold` alike on average over its article pairs (average-linkage clustering restricted to
        what the new articles changed); afterwards no touched story is that close to any other.

        A queue holds each touched story's nearest; an entry whose stories changed since is recomputed
        when it comes up. Merging never brings a third story closer than the closer of the two was
        (an average lies between its parts), so an unchanged entry is still the best pair."""
        version: Counter[int] = Counter()
        queue: list[tuple[float, int, int, int, int]] = []
        todo, n = sorted(touched), len(self.ids)
        for b in range(0, len(todo), BLOCK):  # the first products as matrix products (BLAS), a block at a time
            block = todo[b : b + BLOCK]
            dense = self.vsum[:n] @ self.vsum[block].T
            for i, k in enumerate(block):
                j, s = self.nearest(k, weight, dense[:, i])
                heapq.heappush(queue, (-s, k, j, 0, version[j]))
        while queue and -queue[0][0] >= threshold:
            _, k, j, vk, vj = heapq.heappop(queue)
            if self.count[k] == 0:
                continue
            if vk != version[k] or vj != version[j] or self.count[j] == 0:
                j, s = self.nearest(k, weight)
                heapq.heappush(queue, (-s, k, j, version[k], version[j]))
                continue
            keep = self.merge(k, j)
            version[keep] += 1
            j, s = self.nearest(keep, weight)
            heapq.heappush(queue, (-s, keep, j, version[keep], version[j]))

    def story(self, k: int) -> str:
        return self.ids[int(self.root[k])]


def assign(existing: Sequence[tuple[Article, str]], new: Sequence[Article], threshold: float = SIMILARITY,
           weight: float = NAME_WEIGHT) -> dict[str, str]:
    """Story ids for the `new` articles, given the existing (article, story id) pairs, and the new
    story id of any existing article whose story the new ones merged into another.

    New articles are taken oldest first (undated last, then by id), each a story named after it, near-duplicates
    in their original's story; then `_Stories.repair` merges. An id issued before survives a merge with a new
    story; a retired id is its first article's id, so it still finds the story (rag.retrieval.story_index)."""
    every = [a for a, _ in existing] + list(new)
    if not new:
        return {}
    df = Counter(t for a in every for t in a.names)
    idf = {t: math.log((len(every) + 1) / (n + 0.5)) for t, n in df.items()}
    state = _Stories(len(new[0].vector), len(every), idf)
    slot: dict[str, int] = {}
    for a, sid in existing:
        slot[a.doc_id] = state.add(sid, a, state.weights(a.names))
    state.issued = len(state.ids)
    touched = set()
    for a in sorted(new, key=lambda a: (a.duplicate_of is not None, a.date is None, a.date or "", a.doc_id)):
        sid = state.story(slot[a.duplicate_of]) if a.duplicate_of in slot else a.doc_id
        slot[a.doc_id] = state.add(sid, a, state.weights(a.names))
        touched.add(slot[a.doc_id])
    state.repair(touched, threshold, weight)
    before = {a.doc_id: sid for a, sid in existing}
    return {d: state.story(k) for d, k in slot.items() if before.get(d) != state.story(k)}


def summarize(records: Mapping[str, DocRecord], vectors: Mapping[str, np.ndarray]) -> list[Story]:
    """Every story of the grouped `records`, largest first, then by id."""
    members: dict[str, list[DocRecord]] = {}
    for r in records.values():
        if r.story:
            members.setdefault(r.story, []).append(r)
    titles = Counter(r.title for rs in members.values() for r in {x.title: x for x in rs}.values())
    out = []
    for sid, rs in members.items():
        rs.sort(key=lambda r: (r.date is None, r.date or "", r.doc_id))
        dates = sorted(r.date[:10] for r in rs if r.date)
        outlets = tuple(sorted({r.publisher for r in rs if r.publisher}))
        out.append(Story(sid, label(rs, vectors, titles), outlets, dates[0] if dates else None,
                         dates[-1] if dates else None, tuple(r.doc_id for r in rs)))
    return sorted(out, key=lambda s: (-len(s.doc_ids), s.story_id))


def label(members: Sequence[DocRecord], vectors: Mapping[str, np.ndarray], titles: Mapping[str, int]) -> str:
    """The most central member's title, shortened; titles that several stories share (a site's name,
    "The Japan Times Online") and one-word titles are passed over while another exists."""
    def rank(r: DocRecord) -> tuple[bool, float]:
        v = vectors.get(r.doc_id)
        central = float(v @ centre) if v is not None and centre is not None else 0.0
        return (titles.get(r.title, 1) == 1 and len(r.title.split()) > 1, central)

    vs = [vectors[r.doc_id] for r in members if r.doc_id in vectors]
    centre = np.mean(vs, axis=0) if vs else None
    words = max(members, key=rank).title.split()
    return " ".join(words[:LABEL_WORDS]) + ("..." if len(words) > LABEL_WORDS else "")
