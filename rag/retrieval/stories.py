"""Stories: articles about one event, grouped incrementally, and what a story shows (label, outlets,
date span, articles).

An article joins the story it is most similar to on average (average linkage), when that is at
least SIMILARITY, else it opens a story of its own whose id is the article's id. Similarity is an
equal mix of two signals, both cosines: the articles' vectors (the store's per-document mean chunk
embedding) and their names (capitalised names and acronyms, weighted by rarity in the corpus,
`idf`). Articles already in a story never move, so a story's id stays as articles are added, and a
new article costs one pass over the stories (kept as sums of their members' vectors, so the
average over members is one dot product), not a regrouping. A near-duplicate joins its original's
story; an article more than DATE_WINDOW_DAYS outside a story's known date span does not join it.

Measured on wikinews-dev (103 articles, 45 gold stories; bench/stories.py, B-cubed, mean of 6
random ingest orders): vectors alone F1 0.868 at best; names alone 0.844; title+lead embeddings
0.873; vectors+names 0.877-0.884 over thresholds 0.20-0.30 and weights 0.3-0.5 (a plateau, so the
constants are not tuned to a peak). Does not read the store or persist anything (see rag.desk).
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Mapping, Sequence

import numpy as np

from rag.core.types import DocRecord, Story
from rag.text.words import CALENDAR, key_terms

SIMILARITY = 0.275  # join threshold: middle of the 0.25-0.30 plateau (F1 0.876-0.878, wikinews-dev)
NAME_WEIGHT = 0.5  # share of the names' cosine in the similarity; 0.3-0.5 score alike (+-0.005 F1)
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
    """Running sums per story (vectors), the members' idf-weighted names (an inverted index), date spans."""

    def __init__(self, dim: int, capacity: int, idf: Mapping[str, float]):
        self.vsum = np.zeros((max(capacity, 1), dim), dtype=np.float32)
        self.count = np.zeros(max(capacity, 1), dtype=np.int64)
        self.postings: dict[str, tuple[list[int], list[float]]] = {}  # name -> (story, weight) per member
        self.lo = np.full(max(capacity, 1), np.iinfo(np.int64).min // 2, dtype=np.int64)  # no date: no bound
        self.hi = np.full(max(capacity, 1), np.iinfo(np.int64).max // 2, dtype=np.int64)
        self.dated = np.zeros(max(capacity, 1), dtype=bool)
        self.ids: list[str] = []
        self.where: dict[str, int] = {}
        self.idf = idf

    def weights(self, names: frozenset[str]) -> dict[str, float]:
        w = {t: self.idf.get(t, 0.0) for t in names}
        norm = math.sqrt(sum(x * x for x in w.values())) or 1.0
        return {t: x / norm for t, x in w.items() if x > 0}

    def add(self, story_id: str, a: Article, names: dict[str, float]) -> None:
        k = self.where.get(story_id)
        if k is None:
            k = self.where[story_id] = len(self.ids)
            self.ids.append(story_id)
        self.vsum[k] += a.vector
        self.count[k] += 1
        for t, x in names.items():
            stories, weights = self.postings.setdefault(t, ([], []))
            stories.append(k)
            weights.append(x)
        d = _day(a.date)
        if d is not None:
            first = not self.dated[k]
            self.lo[k] = d if first else min(self.lo[k], d)
            self.hi[k] = d if first else max(self.hi[k], d)
            self.dated[k] = True

    def best(self, a: Article, names: dict[str, float], weight: float) -> tuple[str | None, float]:
        """The story `a` is most similar to on average, and that similarity."""
        n = len(self.ids)
        if not n:
            return None, 0.0
        ks: list[int] = []
        ws: list[float] = []
        reps, xs = [], []
        for t, x in names.items():  # gather the postings in C (list.extend), weigh them in numpy
            if t in self.postings:
                stories, weights = self.postings[t]
                ks += stories
                ws += weights
                reps.append(len(stories))
                xs.append(x)
        named = np.bincount(ks, np.asarray(ws) * np.repeat(xs, reps), minlength=n) if ks else np.zeros(n)
        # einsum, not `@`: a matrix-vector product per article is too small for BLAS threads, which cost
        # 40x more than the product on a busy machine (measured: 3.9 ms vs 0.09 ms at 3,000 stories)
        dense = np.einsum("ij,j->i", self.vsum[:n], a.vector)
        score = ((1 - weight) * dense + weight * named) / self.count[:n]
        d = _day(a.date)
        if d is not None:
            outside = (d < self.lo[:n] - DATE_WINDOW_DAYS) | (d > self.hi[:n] + DATE_WINDOW_DAYS)
            score[outside] = -1.0
        k = int(np.argmax(score))
        return self.ids[k], float(score[k])


def assign(existing: Sequence[tuple[Article, str]], new: Sequence[Article], threshold: float = SIMILARITY,
           weight: float = NAME_WEIGHT) -> dict[str, str]:
    """Story ids for the `new` articles, given the existing (article, story id) pairs, which stay put.

    New articles are taken oldest first (undated last, then by id), so a story's id is its earliest article's;
    near-duplicates after the rest, so that their originals have a story to join."""
    every = [a for a, _ in existing] + list(new)
    if not new:
        return {}
    df = Counter(t for a in every for t in a.names)
    idf = {t: math.log((len(every) + 1) / (n + 0.5)) for t, n in df.items()}
    state = _Stories(len(new[0].vector), len(every), idf)
    story = {}
    for a, sid in existing:
        state.add(sid, a, state.weights(a.names))
        story[a.doc_id] = sid
    out: dict[str, str] = {}
    for a in sorted(new, key=lambda a: (a.duplicate_of is not None, a.date is None, a.date or "", a.doc_id)):
        names = state.weights(a.names)
        sid = story.get(a.duplicate_of or "")
        if sid is None:
            best, score = state.best(a, names, weight)
            sid = best if best is not None and score >= threshold else a.doc_id
        state.add(sid, a, names)
        story[a.doc_id] = out[a.doc_id] = sid
    return out


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
