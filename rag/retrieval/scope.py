"""Which articles a question may draw on: the outlet it names ("What did the BBC report ...") and the
period it names ("last week", "on 16 November", "the latest"; `rag.retrieval.timeframe`), resolved
against a reference date (--as-of, else the newest article's date), then retrieval within them.

Rules: an outlet the question names restricts it to the articles of that publisher, when an indexed
publisher has that name (its domain's name: "BBC" is bbc.co.uk, "The Japan Times" japantimes.co.jp)
and the question asks what was reported or said. A period restricts it to the articles dated in the
period's window; articles with no known date stay candidates (most of a crawl may be undated) but are
ranked after the dated ones and counted, so the answer can say so. A period without a single dated
article is `empty`: the caller abstains and says so. "The latest" orders the hits newest first.
Does not: parse phrases (`timeframe`), render text for users (`rag.answer.ask` does, from prompts/),
or change retrieval for a question that names neither an outlet nor a period.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Iterable, Mapping, Sequence

from rag.core.types import DocRecord, Hit
from rag.retrieval.constraints import parse
from rag.retrieval.retrieve import Index, retrieve
from rag.retrieval.timeframe import Timeframe, resolve

# labels of a domain that name no outlet: "news.bbc.co.uk" is "bbc"
_GENERIC = frozenset("www www2 news edition english the online com net org co uk jp au cn de ie br mil gov edu "
                     "info int nz za in ca us tv".split())
_ASKS_OUTLET = re.compile(r"\b(?:report\w*|say|says|said|writ\w*|wrote|publish\w*|cover\w*|according\s+to"
                          r"|headlines?|articles?|stories)\b", re.I)


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
        """A period with no dated article (undated ones cannot show that it has any): nothing to answer from."""
        tf = self.timeframe
        return self.doc_ids is not None and (not self.doc_ids or (tf is not None and not tf.latest and not self.dated))


def reference_date(docs: Mapping[str, DocRecord], as_of: date | None = None) -> date:
    """`as_of`, else the newest article's date, else today."""
    if as_of is not None:
        return as_of
    dates = [d for r in docs.values() if (d := _date(r.date)) is not None]
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
    """The publishers whose name the question gives as a name ("the BBC", "Reuters"), when it asks what
    was reported or said; () otherwise."""
    if not _ASKS_OUTLET.search(question):
        return ()
    names = {_key(e) for e in parse(question).entities} - {""}
    return tuple(sorted(p for p in set(publishers) if p and names & outlet_keys(p)))


def scope(question: str, docs: Mapping[str, DocRecord], as_of: date | None = None,
          doc_ids: Sequence[str] | None = None) -> Scope:
    """The articles `question` may draw on among `docs` (and among `doc_ids`, when given)."""
    ref = reference_date(docs, as_of)
    tf = resolve(question, ref)
    outlets = named_outlets(question, (r.publisher for r in docs.values()))
    if not outlets and (tf is None or not tf.enforced):
        return Scope(ref, tf, doc_ids=tuple(doc_ids) if doc_ids else None)
    pool = [d for d in (doc_ids or docs) if d in docs and (not outlets or docs[d].publisher in outlets)]
    if tf is None or not tf.enforced:
        return Scope(ref, tf, outlets, tuple(pool))
    lo, hi = tf.window
    dated = [d for d in pool if (day := _date(docs[d].date)) is not None and (lo is None or lo <= day) and day <= hi]
    undated = [d for d in pool if _date(docs[d].date) is None]
    return Scope(ref, tf, outlets, tuple(dated + undated), len(dated), len(undated))


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
        day = _date(docs[h.chunk.doc_id].date)
        return (day is None, -day.toordinal() if day is not None and newest else 0)
    return sorted(hits, key=order)


def cited_dates(doc_ids: Iterable[str], docs: Mapping[str, DocRecord]) -> tuple[list[date], int]:
    """The distinct dates of the given articles, oldest first, and how many of them have none."""
    ids = list(dict.fromkeys(doc_ids))
    dates = [_date(docs[d].date) if d in docs else None for d in ids]
    return sorted({x for x in dates if x is not None}), sum(x is None for x in dates)


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "")[:10]) if value else None
    except ValueError:
        return None
