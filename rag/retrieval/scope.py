"""Which articles a question may draw on: the outlet it names ("What did the BBC report ...") and the
period it names ("last week", "on 16 November", "the latest"; `rag.retrieval.timeframe`), resolved
against a reference date (--as-of, else the newest article's date), then retrieval within them.

Rules: an outlet the question names restricts it to the articles of that publisher, when an indexed
publisher has that name (its domain's name: "BBC" is bbc.co.uk, "The Japan Times" japantimes.co.jp)
and the question asks what was reported or said. A period restricts it to the articles dated in the
period's window; articles with no known date stay candidates (most of a crawl may be undated) but are
ranked after the dated ones and counted, so the answer can say so. A scope is `empty` (the caller
abstains and says so) without candidates, or when a period said relative to the reference date ("last
week") holds no dated article; a calendar period without one ("on 12 November") is searched among the
undated articles only (`undated_only`), and an abstention there says so. "The latest" orders the hits
newest first. Where no article has a known date and no --as-of is given, a period is not applied:
there is nothing to resolve it against.
Does not: parse phrases (`timeframe`), render text for users (`rag.answer.ask` does, from prompts/),
or change retrieval for a question that names neither an outlet nor a period.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Iterable, Mapping, Sequence

from rag.core.types import DocRecord, Hit
from rag.retrieval.constraints import as_date, parse
from rag.retrieval.retrieve import Index, retrieve
from rag.retrieval.timeframe import Timeframe, resolve

# labels of a domain that name no outlet: "news.bbc.co.uk" is "bbc"
_GENERIC = frozenset("www www2 news edition english the online com net org co uk jp au cn de ie br mil gov edu "
                     "info int nz za in ca us tv".split())
_REPORTING = re.compile(r"(?:report\w*|say|says|said|writ\w*|wrote|publish\w*|cover\w*|headlines?|articles?|stor(?:y|ies))\b",
                        re.I)
HEAD_CHARS = 300  # a wire credit sits in the dateline or byline, at the top


@dataclass(frozen=True)
class Scope:
    """The articles a question may draw on; `doc_ids` None means all of them (nothing was restricted)."""

    reference: date
    timeframe: Timeframe | None = None
    outlets: tuple[str, ...] = ()  # the indexed publishers the question names
    doc_ids: tuple[str, ...] | None = None
    dated: int = 0  # candidates with a date in the period's window
    undated: int = 0  # candidates without a known date

    @property
    def empty(self) -> bool:
        """Nothing to retrieve: no article may answer, or a period said relative to the reference date
        ("last week") holds no dated article (an undated one is never taken for a recent one)."""
        relative = self.timeframe is not None and self.timeframe.relative
        return self.doc_ids is not None and (not self.doc_ids or (self.undated_only and relative))

    @property
    def undated_only(self) -> bool:
        """A period with no dated article, searched only among articles whose date is unknown."""
        tf = self.timeframe
        return tf is not None and tf.enforced and not tf.latest and not self.dated


def reference_date(docs: Mapping[str, DocRecord], as_of: date | None = None) -> date:
    """`as_of`, else the newest article's date, else today."""
    if as_of is not None:
        return as_of
    dates = [d for r in docs.values() if (d := as_date(r.date)) is not None]
    return max(dates) if dates else date.today()


def outlet_keys(publisher: str) -> set[str]:
    """The names a question may call a publisher by, letters and digits only: "scidev.net" -> {"scidev",
    "scidevnet"}; "news.bbc.co.uk" -> {"bbc"}; "The Guardian" -> {"guardian"}."""
    words = [w for w in re.split(r"[\s.]+", publisher.lower()) if w]
    if " " in publisher.strip() or "." not in publisher:
        return {k} if (k := _key(publisher)) else set()
    labels = [w for w in words if w not in ("www", "www2")]
    while len(labels) > 1 and labels[-1] in _GENERIC:
        labels.pop()
    name = re.sub(r"[^a-z0-9]", "", labels[-1]) if labels else ""
    rest = words[words.index(labels[-1]) + 1:] if labels else []
    return {k for k in (name, name + rest[0] if len(rest) == 1 else "") if len(k) >= 2}  # "SciDev.Net"


def _key(name: str) -> str:
    words = [w for w in re.findall(r"[a-z0-9]+", name.lower())]
    while words and words[0] == "the":
        words.pop(0)
    while len(words) > 1 and words[-1] in ("news", "online", "com", "net", "org"):
        words.pop()
    return "".join(words)


def named_outlets(question: str, publishers: Iterable[str | None]) -> tuple[str, ...]:
    """The publishers the question names as the one that reported ("What did the BBC report", "according
    to Reuters", "in The Guardian"); () when it names none, or names one only as a subject ("the Boeing job")."""
    names = {key: e for e in parse(question).entities if (key := _key(e))}
    asked = {key for key, e in names.items() if _as_outlet(question, e)}
    return tuple(sorted(p for p in set(publishers) if p and asked & outlet_keys(p)))


def _as_outlet(question: str, name: str) -> bool:
    e = re.escape(name)
    return bool(re.search(rf"\b(?:according\s+to|in|reported\s+by)\s+(?:the\s+)?{e}\b"
                          rf"|\b{e}(?:'s)?\s+(?:(?:first|also|later|then)\s+)?{_REPORTING.pattern}", question, re.I))


def wire_credit(text: str, outlet: str) -> bool:
    """Whether an article's opening credits it to the outlet: "(Reuters)", "Source: Reuters" (a wire story
    that another site carries)."""
    names = "|".join(re.escape(k) for k in outlet_keys(outlet))
    return bool(names) and re.search(rf"\((?:{names})\)|\bsource:\s*(?:{names})\b", text[:HEAD_CHARS], re.I) is not None


def scope(question: str, docs: Mapping[str, DocRecord], as_of: date | None = None,
          doc_ids: Sequence[str] | None = None, index: Index | None = None) -> Scope:
    """The articles `question` may draw on among `docs` (and among `doc_ids`, when given); with `index`,
    an article another site carries counts for the outlet its opening credits (`wire_credit`)."""
    ref = reference_date(docs, as_of)
    # with no dated article and no as-of, "last month" has nothing to be resolved against (today is a
    # guess, and such a phrase is then usually the article's own, "protests across Iran last month")
    known = as_of is not None or any(as_date(r.date) is not None for r in docs.values())
    tf = resolve(question, ref) if known else None
    outlets = named_outlets(question, (r.publisher for r in docs.values()))
    if not outlets and (tf is None or not tf.enforced):
        return Scope(ref, tf, doc_ids=tuple(doc_ids) if doc_ids else None)
    pool = [d for d in (doc_ids or docs) if d in docs]
    if tf is None or not tf.enforced:
        return Scope(ref, tf, outlets, tuple(_by_outlet(pool, outlets, docs, index)))
    lo, hi = tf.window
    dated = [d for d in pool if (day := as_date(docs[d].date)) is not None and (lo is None or lo <= day) and day <= hi]
    undated = [d for d in pool if as_date(docs[d].date) is None]
    if outlets:  # after the period, so that only its articles' openings are read for wire credits
        dated, undated = _by_outlet(dated, outlets, docs, index), _by_outlet(undated, outlets, docs, index)
    return Scope(ref, tf, outlets, tuple(dated + undated), len(dated), len(undated))


def _by_outlet(pool: list[str], outlets: tuple[str, ...], docs: Mapping[str, DocRecord],
               index: Index | None) -> list[str]:
    if not outlets:
        return pool
    own = [d for d in pool if docs[d].publisher in outlets]
    others = [d for d in pool if docs[d].publisher not in outlets]
    if index is None or not others:
        return own
    versions = {d: docs[d].version for d in others}
    heads = index.store.get_chunks([f"{d}:0" for d in others], versions)
    credited = {c.doc_id for c in heads.values() if any(wire_credit(c.text, o) for o in outlets)}
    return [d for d in pool if d in credited or docs[d].publisher in outlets]  # in the pool's order


def retrieve_in(index: Index, question: str, k: int, sc: Scope, docs: Mapping[str, DocRecord]) -> list[Hit]:
    """The k best chunks within the scope: dated articles before undated ones, and for "the latest"
    newest first (the relevance order is kept among equals)."""
    if sc.doc_ids is not None and not sc.doc_ids:
        return []
    hits = retrieve(index, question, k, sc.doc_ids, all_docs=dict(docs))
    if sc.timeframe is None or not sc.timeframe.enforced:
        return hits
    newest = sc.timeframe.latest

    def order(h: Hit) -> tuple[int, int]:
        day = as_date(docs[h.chunk.doc_id].date)
        return (day is None, -day.toordinal() if day is not None and newest else 0)
    return sorted(hits, key=order)


def cited_dates(doc_ids: Iterable[str], docs: Mapping[str, DocRecord]) -> tuple[list[date], int]:
    """The distinct dates of the given articles, oldest first, and how many of them have none."""
    ids = list(dict.fromkeys(doc_ids))
    dates = [as_date(docs[d].date) if d in docs else None for d in ids]
    return sorted({x for x in dates if x is not None}), sum(x is None for x in dates)
