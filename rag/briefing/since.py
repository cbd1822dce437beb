"""What is new since a date: which articles lead a brief, which of its points were already reported
before the date, and the labelled background ("Earlier: ...") from the older articles.

An article leads when its publication date is on or after the date; older and undated articles are
background only (an undated article cannot be shown to be new). A point counts as already reported
when an older article supports it by the same check as every citation (`cite.support` through
`evidence.supported`); it is then shown as background, citing those older articles.

Does not choose the date or the articles (see rag.desk) and does not render.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Mapping, Sequence

from rag.briefing.digest import Digest
from rag.briefing.evidence import Ctx, make, supported
from rag.core.errors import NothingNewError
from rag.core.types import DocRecord, Point

EARLIER = 3  # background lines: enough to place the news, not to retell the story
LEAD = "Earlier:"


def is_new(r: DocRecord, since: str | None) -> bool:
    return since is None or (r.date is not None and r.date[:10] >= since)


def newest(docs: Mapping[str, DocRecord]) -> str | None:
    return max((r.date[:10] for r in docs.values() if r.date), default=None)


def already_reported(points: Sequence[Point], older: Sequence[str], ctx: Ctx) -> tuple[list[Point], list[Point]]:
    """(the points no older article supports, the others as background citing the older articles)."""
    fresh, old = [], []
    for p in points:
        before = [d for d in older if supported(p.text, d, ctx)]
        if before:
            old.append(make(p.text, before, ctx, LEAD))
        else:
            fresh.append(p)
    return fresh, old


def background(digests: Sequence[Digest], shown: Sequence[Point], ctx: Ctx) -> tuple[Point, ...]:
    """The older articles' lead facts (newest article first), labelled, after the points already moved
    there; at most EARLIER lines."""
    out = [replace(p, lead=LEAD) for p in shown]
    by_date = sorted(digests, key=lambda d: ctx.dates.get(d.doc_id) or "", reverse=True)
    for d in by_date:
        f = next((f for f in d.facts if supported(f.text, d.doc_id, ctx)), None)
        if f is not None and not any(f.text == p.text for p in out):
            out.append(make(f.text, [d.doc_id], ctx, LEAD))
    return tuple(out[:EARLIER])


def nothing_new(since: str, docs: Mapping[str, DocRecord], where: str) -> NothingNewError:
    """The error for a `since` after every article (`where`: " of story 'ID'" or "")."""
    latest = newest(docs)
    if latest is None:
        return NothingNewError(f"nothing new since {since}: no article{where} has a date")
    return NothingNewError(f"nothing new since {since}: the newest article{where} is dated {latest}")
